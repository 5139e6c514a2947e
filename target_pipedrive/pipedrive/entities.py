"""The Pipedrive entities the target writes, and where each lives in the current API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    name: str  # person, organization, deal, activity, lead, note
    collection: str  # the API path of the collection
    fields_path: str | None  # the field catalogue of this entity
    search_path: str | None  # the entity's own search endpoint
    label: str  # as a person reads it in messages
    # Where archived entities are listed (deals, leads): the collection's list leaves them out.
    archived_path: str | None = None
    uuid_ids: bool = False  # a lead's (and a lead label's) id is a UUID, every other's a whole number

    def item(self, entity_id: int | str) -> str:
        return f"{self.collection}/{entity_id}"


PERSON = Entity("person", "/api/v2/persons", "/api/v2/personFields", "/api/v2/persons/search", "person")
ORGANIZATION = Entity(
    "organization",
    "/api/v2/organizations",
    "/api/v2/organizationFields",
    "/api/v2/organizations/search",
    "organization",
)
DEAL = Entity(
    "deal", "/api/v2/deals", "/api/v2/dealFields", "/api/v2/deals/search", "deal", "/api/v2/deals/archived"
)
ACTIVITY = Entity("activity", "/api/v2/activities", "/api/v2/activityFields", None, "activity")
# Leads and notes have no CRUD in API v2; leads carry the deal custom fields.
LEAD = Entity(
    "lead",
    "/api/v1/leads",
    "/api/v2/dealFields",
    "/api/v2/leads/search",
    "lead",
    "/api/v1/leads/archived",
    uuid_ids=True,
)
NOTE = Entity("note", "/api/v1/notes", None, None, "note")

MATCHABLE = {entity.name: entity for entity in (PERSON, ORGANIZATION, DEAL)}
BY_NAME = {entity.name: entity for entity in (PERSON, ORGANIZATION, DEAL, ACTIVITY, LEAD, NOTE)}
BY_COLLECTION = {entity.collection: entity for entity in (PERSON, ORGANIZATION, DEAL, ACTIVITY, LEAD, NOTE)}

# Archived deals as a collection of their own (v2 lists them apart: /deals/archived takes the same
# cursor, updated_since and custom_fields). The key index (account/key_index.py) keeps their keys
# beside the live deals', so that a run need not list every archived deal again to learn that a
# missing deal is archived.
ARCHIVED_DEAL = Entity("archived_deal", "/api/v2/deals/archived", "/api/v2/dealFields", None, "archived deal")
ARCHIVED_TWIN = {DEAL.name: ARCHIVED_DEAL}

# The account's directory (account/directory.py): read, never written; named here for their ids' kind.
USER = Entity("user", "/api/v1/users", None, None, "user")
PIPELINE = Entity("pipeline", "/api/v2/pipelines", None, None, "pipeline")
STAGE = Entity("stage", "/api/v2/stages", None, None, "stage")
LEAD_LABEL = Entity("lead_label", "/api/v1/leadLabels", None, None, "lead label", uuid_ids=True)
