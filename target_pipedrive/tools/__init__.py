"""Commands around the target: list the account's fields, check a config against the account."""
