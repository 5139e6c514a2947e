"""target-pipedrive: a Singer target that upserts Segment-shaped events into Pipedrive."""
