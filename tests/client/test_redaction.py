"""The logging filter: the token masked wherever it appears, query values dropped from urllib3's lines."""

from __future__ import annotations

import logging

from target_pipedrive.pipedrive.client import PipedriveClient
from target_pipedrive.pipedrive.redact import SecretFilter, strip_query_values

SECRET = "s3cr3t-token-value"


def record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("x", logging.INFO, __file__, 1, msg, args, exc_info)


def test_the_secret_is_masked_in_message_and_arguments():
    rec = record("sent %s to %s", {"x-api-token": SECRET}, "host")
    SecretFilter(secrets=[SECRET]).filter(rec)
    assert SECRET not in rec.getMessage()
    assert "***" in rec.getMessage()


def test_the_secret_is_masked_in_tracebacks():
    try:
        raise RuntimeError(f"bad {SECRET}")
    except RuntimeError:
        import sys

        rec = record("boom", exc_info=sys.exc_info())
    SecretFilter(secrets=[SECRET]).filter(rec)
    text = logging.Formatter().format(rec)
    assert SECRET not in text
    assert "RuntimeError" in text


def test_query_values_are_dropped():
    line = 'http://127.0.0.1:1 "GET /api/v2/persons/search?term=ada%40x.com&fields=email HTTP/1.1" 200 9'
    assert (
        strip_query_values(line)
        == 'http://127.0.0.1:1 "GET /api/v2/persons/search?term=…&fields=… HTTP/1.1" 200 9'
    )
    assert strip_query_values("/api/v2/persons") == "/api/v2/persons"


def test_clients_share_one_filter_per_logger_and_release_their_token():
    logger = logging.getLogger("test.redaction")
    urllib3_logger = logging.getLogger("urllib3.connectionpool")
    clients = [PipedriveClient("http://127.0.0.1:9", SECRET, logger=logger) for _ in range(3)]
    assert len(logger.filters) == 1
    assert sum(isinstance(f, SecretFilter) for f in urllib3_logger.filters) == 1
    rec = record("token %s", SECRET)
    logger.filters[0].filter(rec)
    assert SECRET not in rec.getMessage()
    for client in clients:
        client.close()
        client.close()  # twice: releases once
    rec = record("token %s", SECRET)
    logger.filters[0].filter(rec)
    assert SECRET in rec.getMessage()  # no longer a secret of an open client
