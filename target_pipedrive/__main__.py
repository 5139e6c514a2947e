"""`python -m target_pipedrive` runs the target's CLI."""

from target_pipedrive.main import main

main()
