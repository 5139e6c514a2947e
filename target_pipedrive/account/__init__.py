"""What the target knows of one Pipedrive account: its fields, match fields, the finder, the sync ledger."""
