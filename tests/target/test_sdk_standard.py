"""The SDK's standard target tests that apply to a CRM target, trimmed as target-postgres does.

Their streams (test_camelcase, …) carry no Segment events, so with the presets no trigger matches and
nothing is sent: the tests exercise message handling, schemas and state, not Pipedrive. The config
points at a closed loopback port, so a request would fail the test.
"""

from __future__ import annotations

from singer_sdk.testing import get_target_test_class
from singer_sdk.testing.suites import SingerTestSuite
from singer_sdk.testing.target_tests import (
    TargetArrayData,
    TargetCamelcaseComplexSchema,
    TargetCamelcaseTest,
    TargetCliPrintsTest,
    TargetDuplicateRecords,
    TargetEncodedStringData,
    TargetInvalidSchemaTest,
    TargetNoPrimaryKeys,
    TargetOptionalAttributes,
    TargetRecordBeforeSchemaTest,
    TargetRecordMissingOptionalFields,
    TargetSchemaNoProperties,
    TargetSchemaUpdates,
    TargetSpecialCharsInAttributes,
)

from target_pipedrive.target import TargetPipedrive

SUITE = SingerTestSuite(
    kind="target",
    tests=[
        TargetArrayData,
        TargetCamelcaseComplexSchema,
        TargetCamelcaseTest,
        TargetCliPrintsTest,
        TargetDuplicateRecords,
        TargetEncodedStringData,
        TargetInvalidSchemaTest,
        TargetNoPrimaryKeys,
        TargetOptionalAttributes,
        TargetRecordBeforeSchemaTest,
        TargetRecordMissingOptionalFields,
        TargetSchemaNoProperties,
        TargetSchemaUpdates,
        TargetSpecialCharsInAttributes,
        # Excluded: TargetRecordMissingKeyProperty — a CRM target matches by match fields, not by the
        # tap's key properties, so a record without them is not an error here.
        # Excluded: TargetMultipleStateMessages — commented out of the SDK's own suite and broken there
        # (it compares parsed states with strings and expects drain-time emission); we pass every
        # checkpoint on as it arrives, tested in test_sample.py.
        # Excluded: TargetPrimaryKeyUpdates — key properties play no part in routing (same reason).
    ],
)

TestTargetPipedriveStandard = get_target_test_class(
    TargetPipedrive,
    # No ledger: the SDK runs these tests in the current folder, which would keep it (the repository).
    config={
        "api_url": "http://127.0.0.1:9",
        "api_token": "placeholder-token",
        "reject_file": "",
        "ledger_path": "",
    },
    custom_suites=[SUITE],
    include_target_tests=False,
)
