"""pipedrive-sandbox: a local emulator of Pipedrive's API, validated against Pipedrive's OpenAPI files.

`pipedrive_sandbox.server.SandboxServer` runs one; `pipedrive-sandbox` is its command; the `sandbox` and
`sandbox_factory` pytest fixtures come from `pipedrive_sandbox.pytest_fixtures` (a `pytest11` plugin).
It imports nothing of target-pipedrive, the client it is used to check.
"""
