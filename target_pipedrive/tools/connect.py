"""The client and runtime a run talks to the account through, built from the settings.

Shared by the target and by the tools (`fields`, `check`) so that both reach the account exactly the
same way: the same base-URL rules, timeouts, retries and default match fields.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..pipedrive.base_url import resolve_base_url
from ..pipedrive.client import PipedriveClient
from ..pipedrive.fields import FieldCatalog
from ..pipedrive.lookup import EntityFinder
from ..runtime import Runtime


def connect(config: Mapping[str, Any], logger: logging.Logger) -> Runtime:
    """The runtime for `config`; ValueError when the domain or api_url cannot be used."""
    base_url = resolve_base_url(config.get("domain"), config.get("api_url"))
    client = PipedriveClient(
        base_url,
        config["api_token"],
        timeout=float(config.get("request_timeout") or 30),
        max_retries=int(config.get("max_retries") or 5),
        logger=logger.getChild("http"),
    )
    return Runtime(
        client=client,
        catalog=FieldCatalog(client),
        finder=EntityFinder(client),
        default_match={
            "person": config.get("person_field") or "id",
            "organization": config.get("organization_field") or "id",
            "deal": config.get("deal_field") or "id",
        },
    )
