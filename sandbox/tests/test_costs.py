"""The sandbox's own cost table agrees with the x-token-cost of Pipedrive's description where both exist."""

from __future__ import annotations

import os

import pytest
from pipedrive_sandbox.contract import ContractValidator
from pipedrive_sandbox.costs import COSTS, fallback_cost, template


def test_the_table_has_the_descriptions_figures():
    contract = ContractValidator(os.environ["PIPEDRIVE_OPENAPI_DIR"])
    for (method, path), cost in COSTS.items():
        description, relative = (
            (contract.v2, path[7:]) if path.startswith("/api/v2") else (contract.v1, path[7:])
        )
        found = description.operation(method, relative.replace("{id}", "7"))
        assert found is not None, (method, path)
        assert found[1] == cost, (method, path, found)


@pytest.mark.parametrize(
    ("method", "path", "cost"),
    [
        ("GET", "/api/v2/persons/5", 1),
        ("GET", "/api/v2/persons/search", 20),
        ("GET", "/api/v2/deals/archived", 20),
        ("PATCH", "/api/v1/leads/0b1c-uuid", 10),
        ("GET", "/api/v1/leadLabels", 10),
        ("GET", "/api/v1/users", 20),
        ("GET", "/api/v2/stages", 5),
        ("GET", "/api/v2/products", 1),  # not served: the cheapest figure of its version
        ("GET", "/api/v1/persons", 2),
    ],
)
def test_fallback_costs(method, path, cost):
    assert fallback_cost(method, path) == cost


def test_template():
    assert template("/api/v2/deals/71") == "/api/v2/deals/{id}"
    assert template("/api/v2/itemSearch/field") == "/api/v2/itemSearch/field"
    assert template("/api/v1/users/me") == "/api/v1/users/me"
