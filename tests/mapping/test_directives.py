"""mapping-kit directives: every directive's results, absent vs null, and validation messages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from target_pipedrive.mapping.directives import DirectiveError, compile_value
from target_pipedrive.mapping.jsvalues import MISSING, js_string, strip_missing
from target_pipedrive.mapping.paths import split_path

PAYLOAD: dict[str, Any] = {
    "userId": "u1",
    "zero": 0,
    "empty": "",
    "nothing": None,
    "flag": False,
    "price": Decimal("9.5"),
    "traits": {"name": "Ann Lee", "email": "ANN@Acme.com", "tags": ["a", "b"], "age": 42},
    "properties": {
        "products": [{"sku": "p1", "price": 10}, {"sku": "p2", "price": 20}],
        "single": {"sku": "p3"},
        "b c": "spaced",
        "json": '{"a": [1, 2]}',
        "bad_json": "{nope",
        "nested": {"a": {"b": 1}, "tags": ["x", "y"], "empty": {}},
    },
}


def resolve(mapping: Any, payload: Any = PAYLOAD) -> Any:
    resolver, errors = compile_value(mapping, "/fields/x")
    assert errors == []
    return resolver(payload)


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        # plain values are literals
        ("text", "text"),
        (5, 5),
        (None, None),
        (["a", {"@path": "$.userId"}], ["a", "u1"]),
        ({"a": {"@path": "$.userId"}, "b": 1}, {"a": "u1", "b": 1}),
        ({"a": {"@path": "$.missing"}}, {"a": MISSING}),
        # @path
        ({"@path": "$.userId"}, "u1"),
        ({"@path": "userId"}, "u1"),
        ({"@path": "$.traits.name"}, "Ann Lee"),
        ({"@path": "$.traits.tags[1]"}, "b"),
        ({"@path": "$.traits.tags.0"}, "a"),
        ({"@path": "$.properties.products[1].sku"}, "p2"),
        ({"@path": "$.properties['b c']"}, "spaced"),
        ({"@path": '$.properties["b c"]'}, "spaced"),
        ({"@path": "$.missing"}, MISSING),
        ({"@path": "$.nothing"}, None),
        ({"@path": "$.zero"}, 0),
        ({"@path": "$.zero.deeper"}, MISSING),  # Segment returns 0 here
        ({"@path": "$.traits.name.0"}, MISSING),  # Segment indexes strings
        ({"@path": "$.traits.tags[5]"}, MISSING),
        ({"@path": "$.nothing.deeper"}, MISSING),
        ({"@path": "$.properties.single"}, {"sku": "p3"}),
        ({"@path": {"@template": "$.traits.{{ userId }}"}}, MISSING),
        ({"@path": {"@literal": "$.traits.age"}}, 42),
        # @template
        ({"@template": "Hello, {{traits.name}}!"}, "Hello, Ann Lee!"),
        ({"@template": "Hello, {{ $.traits.name }}!"}, "Hello, Ann Lee!"),
        ({"@template": "{{{traits.name}}} <b>"}, "Ann Lee <b>"),
        ({"@template": "Hello, {{missing}}!"}, "Hello, !"),
        ({"@template": "{{nothing}}|{{zero}}|{{flag}}|{{price}}"}, "|0|false|9.5"),
        ({"@template": "{{traits.tags}}"}, "a,b"),
        ({"@template": "{{properties.single}}"}, '{"sku":"p3"}'),
        ({"@template": "no placeholders"}, "no placeholders"),
        ({"@template": {"@literal": "{{userId}}"}}, "u1"),
        ({"@template": "{{traits.age}} years"}, "42 years"),
        # @literal (its value is still resolved, as in mapping-kit)
        ({"@literal": "{{userId}}"}, "{{userId}}"),
        ({"@literal": True}, True),
        ({"@literal": ""}, ""),
        ({"@literal": {"a": 1}}, {"a": 1}),
        ({"@literal": {"@path": "$.userId"}}, "u1"),
        # @if exists
        ({"@if": {"exists": {"@path": "$.userId"}, "then": "yes", "else": "no"}}, "yes"),
        ({"@if": {"exists": {"@path": "$.missing"}, "then": "yes", "else": "no"}}, "no"),
        ({"@if": {"exists": {"@path": "$.nothing"}, "then": "yes", "else": "no"}}, "no"),
        ({"@if": {"exists": {"@path": "$.empty"}, "then": "yes", "else": "no"}}, "yes"),
        ({"@if": {"exists": {"@path": "$.zero"}, "then": "yes", "else": "no"}}, "yes"),
        ({"@if": {"exists": {"@path": "$.userId"}, "else": "no"}}, MISSING),
        ({"@if": {"exists": {"@path": "$.missing"}, "then": "yes"}}, MISSING),
        ({"@if": {"exists": {"@path": "$.userId"}, "then": None}}, None),
        ({"@if": {"exists": {"@path": "$.userId"}, "then": {"@path": "$.traits.age"}}}, 42),
        # an else that is falsy leaves the field out (Segment's quirk, kept)
        ({"@if": {"exists": {"@path": "$.missing"}, "then": "yes", "else": False}}, MISSING),
        ({"@if": {"exists": {"@path": "$.missing"}, "then": "yes", "else": 0}}, MISSING),
        ({"@if": {"exists": {"@path": "$.missing"}, "then": "yes", "else": ""}}, MISSING),
        ({"@if": {"exists": {"@path": "$.missing"}, "then": "yes", "else": None}}, MISSING),
        ({"@if": {"exists": {"@path": "$.missing"}, "then": "yes", "else": {"@literal": False}}}, False),
        ({"@if": {"exists": "literal", "then": "yes"}}, "yes"),
        # @if blank: JavaScript's == "" decides
        ({"@if": {"blank": {"@path": "$.userId"}, "then": "set", "else": "blank"}}, "set"),
        ({"@if": {"blank": {"@path": "$.empty"}, "then": "set", "else": "blank"}}, "blank"),
        ({"@if": {"blank": {"@path": "$.zero"}, "then": "set", "else": "blank"}}, "blank"),
        ({"@if": {"blank": {"@path": "$.flag"}, "then": "set", "else": "blank"}}, "blank"),
        ({"@if": {"blank": {"@path": "$.nothing"}, "then": "set", "else": "blank"}}, "blank"),
        ({"@if": {"blank": {"@path": "$.missing"}, "then": "set", "else": "blank"}}, "blank"),
        ({"@if": {"blank": {"@literal": []}, "then": "set", "else": "blank"}}, "blank"),
        ({"@if": {"blank": {"@literal": [""]}, "then": "set", "else": "blank"}}, "blank"),
        ({"@if": {"blank": {"@literal": [None]}, "then": "set", "else": "blank"}}, "blank"),
        ({"@if": {"blank": {"@literal": [[]]}, "then": "set", "else": "blank"}}, "blank"),
        ({"@if": {"blank": {"@literal": [0]}, "then": "set", "else": "blank"}}, "set"),
        ({"@if": {"blank": {"@literal": "0"}, "then": "set", "else": "blank"}}, "set"),
        ({"@if": {"blank": {"@literal": " "}, "then": "set", "else": "blank"}}, "set"),
        ({"@if": {"blank": {"@literal": {}}, "then": "set", "else": "blank"}}, "set"),
        # @case
        ({"@case": {"operator": "lower", "value": {"@path": "$.traits.email"}}}, "ann@acme.com"),
        ({"@case": {"operator": "upper", "value": {"@path": "$.traits.name"}}}, "ANN LEE"),
        ({"@case": {"operator": "upper", "value": "abc"}}, "ABC"),
        ({"@case": {"operator": "upper", "value": {"@path": "$.traits.age"}}}, 42),
        ({"@case": {"operator": "upper", "value": {"@path": "$.missing"}}}, MISSING),
        ({"@case": {"operator": "upper", "value": ""}}, MISSING),
        # @replace: literal text, global by default
        ({"@replace": {"value": "a.b.c", "pattern": "."}}, "abc"),
        ({"@replace": {"value": "a.b.c", "pattern": ".", "replacement": "-"}}, "a-b-c"),
        ({"@replace": {"value": "a.b.c", "pattern": ".", "replacement": "-", "global": False}}, "a-b.c"),
        ({"@replace": {"value": "Hello", "pattern": "hello", "replacement": "Bye"}}, "Hello"),
        (
            {"@replace": {"value": "Hello", "pattern": "hello", "replacement": "Bye", "ignorecase": True}},
            "Bye",
        ),
        ({"@replace": {"value": "a+b", "pattern": "+", "replacement": "$&\\1"}}, "a$&\\1b"),
        (
            {
                "@replace": {
                    "value": "a-b_c",
                    "pattern": "-",
                    "replacement": " ",
                    "pattern2": "_",
                    "replacement2": ".",
                }
            },
            "a b.c",
        ),
        ({"@replace": {"value": {"@path": "$.traits.age"}, "pattern": "4", "replacement": "5"}}, "52"),
        ({"@replace": {"value": {"@path": "$.flag"}, "pattern": "f", "replacement": "F"}}, "False"),
        ({"@replace": {"value": {"@path": "$.missing"}, "pattern": "a"}}, MISSING),
        ({"@replace": {"value": {"@path": "$.properties.single"}, "pattern": "a"}}, MISSING),
        ({"@replace": {"value": "", "pattern": "a"}}, MISSING),
        # @arrayPath
        (
            {"@arrayPath": ["$.properties.products", {"id": {"@path": "$.sku"}, "n": "x"}]},
            [{"id": "p1", "n": "x"}, {"id": "p2", "n": "x"}],
        ),
        ({"@arrayPath": ["$.properties.single", {"id": {"@path": "$.sku"}}]}, [{"id": "p3"}]),
        ({"@arrayPath": ["$.properties.products"]}, PAYLOAD["properties"]["products"]),
        ({"@arrayPath": ["$.properties.products", {}]}, PAYLOAD["properties"]["products"]),
        ({"@arrayPath": ["$.userId", {"id": {"@path": "$.sku"}}]}, "u1"),
        ({"@arrayPath": ["$.missing", {"id": {"@path": "$.sku"}}]}, MISSING),
        ({"@arrayPath": ["$.traits.tags", {"id": {"@path": "$.sku"}}]}, [{"id": MISSING}, {"id": MISSING}]),
        ({"@arrayPath": [{"@path": "$.properties.single"}, {"id": {"@path": "$.sku"}}]}, [{"id": "p3"}]),
        # @merge
        ({"@merge": {"objects": [{"a": 1, "b": 1}, {"b": 2}], "direction": "right"}}, {"a": 1, "b": 2}),
        ({"@merge": {"objects": [{"a": 1, "b": 1}, {"b": 2}], "direction": "left"}}, {"a": 1, "b": 1}),
        (
            {"@merge": {"objects": [{"@path": "$.properties.single"}, {"x": 1}], "direction": "right"}},
            {"sku": "p3", "x": 1},
        ),
        (
            {
                "@merge": {
                    "objects": [{"@path": "$.userId"}, {"@path": "$.missing"}, {"x": 1}],
                    "direction": "Right",
                }
            },
            {"x": 1},
        ),
        (
            {"@merge": {"objects": [{"a": 1}, {"a": {"@path": "$.missing"}}], "direction": "right"}},
            {"a": MISSING},
        ),
        # @json
        ({"@json": {"mode": "encode", "value": {"@path": "$.properties.single"}}}, '{"sku":"p3"}'),
        ({"@json": {"mode": "encode", "value": {"@path": "$.userId"}}}, '"u1"'),
        ({"@json": {"mode": "encode", "value": {"@path": "$.price"}}}, "9.5"),
        ({"@json": {"mode": "encode", "value": {"@path": "$.missing"}}}, MISSING),
        ({"@json": {"mode": "encode", "value": {"a": "é"}}}, '{"a":"é"}'),
        ({"@json": {"mode": "decode", "value": {"@path": "$.properties.json"}}}, {"a": [1, 2]}),
        ({"@json": {"mode": "decode", "value": {"@path": "$.properties.bad_json"}}}, "{nope"),
        ({"@json": {"mode": "decode", "value": {"@literal": "NaN"}}}, "NaN"),
        ({"@json": {"mode": "decode", "value": {"@path": "$.traits.age"}}}, 42),
        # @flatten
        (
            {"@flatten": {"value": {"@path": "$.properties.nested"}, "separator": "."}},
            {"a.b": 1, "tags.0": "x", "tags.1": "y"},
        ),
        (
            {"@flatten": {"value": {"@path": "$.properties.nested"}, "separator": "_", "omitArrays": True}},
            {"a_b": 1, "tags": ["x", "y"]},
        ),
        ({"@flatten": {"value": {"@path": "$.userId"}, "separator": "."}}, {"": "u1"}),
        ({"@flatten": {"value": {"@path": "$.missing"}, "separator": "."}}, MISSING),
        ({"@flatten": {"value": {"@path": "$.traits.tags"}, "separator": "."}}, {"0": "a", "1": "b"}),
        # @transform and @excludeWhenNull
        (
            {"@transform": {"apply": {"n": {"@path": "$.traits.name"}}, "mapping": {"@template": "[{{n}}]"}}},
            "[Ann Lee]",
        ),
        ({"@excludeWhenNull": {"@path": "$.nothing"}}, MISSING),
        ({"@excludeWhenNull": {"@path": "$.userId"}}, "u1"),
        (
            {"@excludeWhenNull": {"a": None, "b": {"c": None}, "d": 1}},
            {"a": MISSING, "b": {"c": MISSING}, "d": 1},
        ),
        # _metadata beside a directive is ignored
        ({"@path": "$.userId", "_metadata": {"label": "x"}}, "u1"),
    ],
)
def test_directives(mapping: Any, expected: Any) -> None:
    assert resolve(mapping) == expected


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"@path": 5}, ["/fields/x/@path should be a string but it is an integer."]),
        ({"@path": "a", "b": 1}, ["/fields/x mixes a directive (@path) with other keys (b)"]),
        ({"@path": "a", "@template": "b"}, ["/fields/x has several directives (@path, @template)"]),
        ({"@nope": 1}, ["/fields/x/@nope is not a known directive; expected one of @path"]),
        ({"@Path": "a"}, ["/fields/x/@Path is not a known directive"]),
        ({"@liquid": "{{ a }}"}, ["/fields/x/@liquid is not supported"]),
        ({"@template": ["a"]}, ["/fields/x/@template should be a string but it is an array."]),
        ({"@if": "x"}, ["/fields/x/@if should be an object but it is a string."]),
        ({"@if": {"then": 1}}, ["/fields/x/@if should have either 'exists' or 'blank'."]),
        ({"@if": {"exists": 0, "then": 1}}, ["/fields/x/@if/exists should be a path directive or a value"]),
        ({"@if": {"exists": "a", "than": 1}}, ["/fields/x/@if/than is not an option of this directive"]),
        ({"@case": {"value": "a"}}, ["/fields/x/@case should have required property 'operator'."]),
        (
            {"@case": {"operator": "title", "value": "a"}},
            ["/fields/x/@case/operator should be 'lower' or 'upper'."],
        ),
        (
            {"@case": {"operator": "lower", "value": 5}},
            ["/fields/x/@case/value should be a string but it is an integer."],
        ),
        ({"@replace": {"value": "a"}}, ["/fields/x/@replace should have required property 'pattern'."]),
        (
            {"@replace": {"value": "a", "pattern": ""}},
            ["/fields/x/@replace/pattern should be 1 to 10 characters long"],
        ),
        ({"@replace": {"value": "a", "pattern": "x" * 11}}, ["/fields/x/@replace/pattern should be 1 to 10"]),
        (
            {"@replace": {"value": "a", "pattern": "x", "replacement": "y" * 11}},
            ["/fields/x/@replace/replacement should be 0 to 10"],
        ),
        (
            {"@replace": {"value": "a", "pattern": "x", "global": "yes"}},
            ["/fields/x/@replace/global should be a boolean"],
        ),
        (
            {"@replace": {"value": "a", "pattern": "x", "pattern2": 3}},
            ["/fields/x/@replace/pattern2 should be a string"],
        ),
        ({"@arrayPath": "$.a"}, ["/fields/x/@arrayPath should be an array but it is a string."]),
        ({"@arrayPath": []}, ["/fields/x/@arrayPath should be [path] or [path, shape] but has 0 items."]),
        ({"@arrayPath": [1]}, ["/fields/x/@arrayPath/0 should be a string but it is an integer."]),
        (
            {"@arrayPath": ["$.a", "shape"]},
            ["/fields/x/@arrayPath/1 should be an object but it is a string."],
        ),
        (
            {"@merge": {"objects": [{"a": 1}]}},
            ["/fields/x/@merge should have required property 'direction'."],
        ),
        (
            {"@merge": {"objects": [1], "direction": "right"}},
            ["/fields/x/@merge/objects/0 should be an object"],
        ),
        (
            {"@merge": {"objects": [], "direction": "up"}},
            ["/fields/x/@merge/direction should be 'left' or 'right'."],
        ),
        ({"@merge": {"objects": "a", "direction": "left"}}, ["/fields/x/@merge/objects should be an array"]),
        ({"@json": {"mode": "zip", "value": "a"}}, ["/fields/x/@json/mode should be 'encode' or 'decode'."]),
        (
            {"@json": {"mode": "encode", "value": ""}},
            ["/fields/x/@json/value should be a value or a directive"],
        ),
        ({"@json": {"mode": "encode"}}, ["/fields/x/@json should have required property 'value'."]),
        ({"@flatten": {"value": "a"}}, ["/fields/x/@flatten should have required property 'separator'."]),
        ({"@flatten": {"value": "a", "separator": 1}}, ["/fields/x/@flatten/separator should be a string"]),
        ({"@transform": {"apply": 1, "mapping": {}}}, ["/fields/x/@transform/apply should be an object"]),
        # lists are walked too (Segment finds these only at run time)
        ([{"@path": 1}], ["/fields/x/0/@path should be a string but it is an integer."]),
        # nested directives and every problem at once
        (
            {"a": {"@path": 1}, "b": {"@if": {"exists": {"@nope": 1}, "then": {"@case": {}}}}},
            [
                "/fields/x/a/@path should be a string",
                "/fields/x/b/@if/exists/@nope is not a known directive",
                "/fields/x/b/@if/then/@case should have required property 'operator'.",
                "/fields/x/b/@if/then/@case should have required property 'value'.",
            ],
        ),
    ],
)
def test_validation_errors(mapping: Any, expected: list[str]) -> None:
    _, errors = compile_value(mapping, "/fields/x")
    assert len(errors) == len(expected), errors
    for error, start in zip(errors, expected, strict=True):
        assert error.startswith(start), error


def test_deep_nesting_is_a_config_error() -> None:
    mapping: Any = "x"
    for _ in range(100):
        mapping = {"@literal": mapping}
    _, errors = compile_value(mapping, "/fields/x")
    assert errors and "nested deeper than" in errors[0]


def test_dynamic_path_must_resolve_to_a_string() -> None:
    resolver, errors = compile_value({"@path": {"@path": "$.traits.age"}}, "/fields/x")
    assert errors == []
    with pytest.raises(DirectiveError, match="@path: expected a string path, got an integer"):
        resolver(PAYLOAD)


def test_resolvers_return_fresh_containers() -> None:
    resolver, _ = compile_value({"a": [1]}, "/fields/x")
    first = resolver(PAYLOAD)
    first["a"].append(2)
    assert resolver(PAYLOAD) == {"a": [1]}


def test_template_values_are_not_expanded_again() -> None:
    assert resolve({"@template": "{{{a}}}"}, {"a": "{{b}}", "b": "secret"}) == "{{b}}"


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("$.a.b", ("a", "b")),
        ("a[0].c", ("a", "0", "c")),
        ("a['b c']", ("a", "b c")),
        ('a["b"]', ("a", "b")),
        ("a[b]", ("a[b]",)),
        ("", None),
        (".", None),
        ("$.", None),
    ],
)
def test_path_segments(path: str, segments: tuple[str, ...] | None) -> None:
    assert split_path(path) == segments


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (None, "null"),
        (5, "5"),
        (5.0, "5"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (123456.789, "123456.789"),
        (Decimal("2.50"), "2.5"),
        ([1, None, "a", [2, 3]], "1,,a,2,3"),
        ({"a": 1}, '{"a":1}'),
    ],
)
def test_js_string(value: Any, text: str) -> None:
    assert js_string(value) == text


def test_strip_missing() -> None:
    assert strip_missing({"a": MISSING, "b": [MISSING, Decimal("1.0")], "c": {"d": MISSING}}) == {
        "b": [None, 1],
        "c": {},
    }


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("$.traits[.name", "'[' without a closing ']' at column 9"),
        ("$.traits..name[?(@", "'..' (JSONPath's recursive descent) at column 10"),
        ("$.items[?(@.sku)]", "a filter ('[?', JSONPath) is not read by the kit at column 8"),
        ("$.items[*].sku", "a wildcard ('[*', JSONPath) is not read by the kit at column 8"),
        ("$.items.*", "a wildcard ('*', JSONPath) at column 9"),
        ("$.items[0:2]", "an index that is not a whole number (such as [0]) at column 8"),
        ("$.items[-1]", "a negative index ('[-', JSONPath) is not read by the kit at column 8"),
        ("$.traits['name", "a quoted key without its closing quote and ']' at column 9"),
        ("$.traits]", "']' without an opening '[' at column 9"),
        ("$.items[0]sku", "'s' right after ']' at column 11"),
        ("$.traits.", "a path ending in '.' at column 9"),
    ],
)
def test_a_path_the_kit_cannot_read_is_a_compile_error_with_its_column(path: str, problem: str) -> None:
    for mapping, where in (
        ({"@path": path}, "/fields/x/@path"),
        ({"@arrayPath": [path]}, "/fields/x/@arrayPath/0"),
    ):
        _, errors = compile_value(mapping, "/fields/x")
        assert errors == [f"{where} {path!r} is not a path the mapping kit reads: {problem}; {FIX}."]


FIX = "write a dotted path such as $.traits.name, $.properties.items[0].sku or $.traits['a key']"


@pytest.mark.parametrize(
    "path",
    [
        "",
        ".",
        "$.",
        "userId",
        "$.traits.name.0",
        "$.traits.tags[1]",
        "$.properties.products[1].sku",
        "$.properties['b c']",
        'a["b"]',
        "a[b]",
        "$.a[b].c",
        "$.a[0][1]",
        "$.context.traits.email",
    ],
)
def test_the_paths_the_kit_reads_still_compile(path: str) -> None:
    assert compile_value({"@path": path}, "/fields/x")[1] == []


@pytest.mark.parametrize(
    ("template", "paths"),
    [
        ("Hi {{ $.traits[.name }}!", [("$.traits[.name", "'[' without a closing ']' at column 9")]),
        ("{{{ a..b }}} <b>", [("a..b", "'..' (JSONPath's recursive descent) at column 3")]),
        (
            "{{ $.items[*].sku }} / {{ $.traits. }}",
            [
                ("$.items[*].sku", "a wildcard ('[*', JSONPath) is not read by the kit at column 8"),
                ("$.traits.", "a path ending in '.' at column 9"),
            ],
        ),
    ],
)
def test_a_template_placeholder_the_kit_cannot_read_is_a_compile_error(
    template: str, paths: list[tuple[str, str]]
) -> None:
    # The placeholder rendered "" on every record, without a word, where a @path of it stops start-up.
    _, errors = compile_value({"@template": template}, "/fields/x")
    assert errors == [
        f"/fields/x/@template placeholder {path!r} is not a path the mapping kit reads: {problem}; {FIX}."
        for path, problem in paths
    ]


def test_the_placeholders_the_kit_reads_still_compile() -> None:
    template = "{{ traits.name }} {{{ $.properties.items[0].sku }}} {{ $.traits['a key'] }} {{a[b]}}"
    assert compile_value({"@template": template}, "/fields/x")[1] == []
