"""One run of the target: assembly, routing, dispatch, the write path, rejects and reporting."""
