"""`python -m target_pipedrive` runs the target's CLI."""

from target_pipedrive.target import TargetPipedrive

TargetPipedrive.cli()
