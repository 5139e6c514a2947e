"""FQL lexing and parsing: what is valid, and errors that name the position and what was expected."""

from __future__ import annotations

import pytest

from target_pipedrive.mapping.fql_eval import compile_trigger
from target_pipedrive.mapping.fql_lexer import FqlSyntaxError, tokenize
from target_pipedrive.mapping.fql_parser import And, Cmp, Group, ListLit, Lit, Not, Or, Path, Stream, parse


def kinds(source: str) -> list[str]:
    return [token.kind for token in tokenize(source)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('type = "identify"', ["identifier", "op", "string", "end of input"]),
        ("a != 'x'", ["identifier", "op", "string", "end of input"]),
        ("a <= -1.5", ["identifier", "op", "number", "end of input"]),
        ("a >= +2", ["identifier", "op", "number", "end of input"]),
        ("!contains(a, b)", ["!", "identifier", "(", "identifier", ",", "identifier", ")", "end of input"]),
        ("!(a)", ["!", "(", "identifier", ")", "end of input"]),
        ("a and b or null", ["identifier", "and", "identifier", "or", "null", "end of input"]),
        # keywords only when a terminator follows: these are identifiers
        ("orders android nullable", ["identifier", "identifier", "identifier", "end of input"]),
        ("[1, 2]", ["[", "number", ",", "number", "]", "end of input"]),
        ("a.b.c", ["identifier", ".", "identifier", ".", "identifier", "end of input"]),
        ("count>5", ["identifier", "op", "number", "end of input"]),  # more permissive than fql-ts
        ("a\tand\nb\r\nor c", ["identifier", "and", "identifier", "or", "identifier", "end of input"]),
    ],
)
def test_tokens(source: str, expected: list[str]) -> None:
    assert kinds(source) == expected


def test_escaped_identifier_keeps_any_character() -> None:
    token = tokenize(r"properties.product\ 1.price")[2]
    assert token.text == "product 1"
    assert token.escaped


def test_strings_have_no_escape_sequences() -> None:
    assert tokenize(r'a = "x\y"')[2].text == "x\\y"
    assert tokenize("a = 'say \"hi\"'")[2].text == 'say "hi"'


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ('a = "x"', Cmp("=", Path(("a",)), Lit("x"))),
        ("a.b != null", Cmp("!=", Path(("a", "b")), Lit(None))),
        ("a = true", Cmp("=", Path(("a",)), Lit(True))),
        ("a = false", Cmp("=", Path(("a",)), Lit(False))),
        (r"\true = 1", Cmp("=", Path(("true",)), Lit(1))),
        ("x.true = 1", Cmp("=", Path(("x", "true")), Lit(1))),
        ("a = 1.25", Cmp("=", Path(("a",)), Lit(1.25))),
        ("a in [1]", Cmp("in", Path(("a",)), ListLit((Lit(1),)))),
        ("stream = 's'", Cmp("=", Stream(), Lit("s"))),
        (r"\stream = 's'", Cmp("=", Path(("stream",)), Lit("s"))),
        ("stream.x = 's'", Cmp("=", Path(("stream", "x")), Lit("s"))),
        ("!a = 1", Not(Cmp("=", Path(("a",)), Lit(1)))),
        ("a or b or c", Or((Path(("a",)), Path(("b",)), Path(("c",))))),
        ("a and b and c", And((Path(("a",)), Path(("b",)), Path(("c",))))),
        ("(a and b) or c", Or((Group(And((Path(("a",)), Path(("b",))))), Path(("c",))))),
        ("a and (b or c)", And((Path(("a",)), Group(Or((Path(("b",)), Path(("c",)))))))),
        ("!!a", Not(Not(Path(("a",))))),
    ],
)
def test_parse_trees(source: str, tree: object) -> None:
    assert parse(source) == tree


@pytest.mark.parametrize(
    ("source", "where", "expected"),
    [
        ("", "column 1", "the trigger is empty"),
        ("type = ", "column 8", "expected a value"),
        ('type = "identify', "column 8", "unterminated string"),
        ("a ! b", "column 4", "expected '=' after '!'"),
        ("a = 1 = 2", "column 7", "expected 'and', 'or', an operator or the end"),
        ("(a = 1", "column 7", "expected ')'"),
        ("a = [1, 2", "column 10", "expected ',' or ']'"),
        ("a. = 1", "column 4", "expected a name after '.'"),
        ("a = 1.", "column 7", "expected a digit after the decimal point"),
        ("a = 12abc", "column 7", "after the number"),
        ('a"b" = 1', "column 2", "after 'a'"),
        ("a = @", "column 5", "unexpected character '@'"),
        ("foo(a)", "column 1", "unknown function 'foo'"),
        ("contains(a)", "column 1", "contains() takes 2 arguments, got 1"),
        ("lowercase(a, b)", "column 1", "lowercase() takes 1 argument, got 2"),
        ("a or b and c", "column 3", "'and' and 'or' are mixed without parentheses"),
        ("a and b or c", "column 9", "'and' and 'or' are mixed without parentheses"),
        ("a = 1\nand b = ", "line 2, column 9", "expected a value"),
        ("(" * 100 + "a" + ")" * 100, "column 65", "nested deeper than 64 levels"),
        ("a\\", "column 3", "expected a character after '\\'"),
        ('match(a, "[b")', "column 1", "'[' without a closing ']'"),
    ],
)
def test_syntax_errors_name_position_and_expectation(source: str, where: str, expected: str) -> None:
    with pytest.raises(FqlSyntaxError) as caught:
        compile_trigger(source)
    assert caught.value.where() == where
    assert expected in caught.value.message


def test_in_is_a_path_on_the_left() -> None:
    assert parse("in = 1") == Cmp("=", Path(("in",)), Lit(1))


def test_function_name_is_a_path_without_parentheses() -> None:
    assert parse("length = 3") == Cmp("=", Path(("length",)), Lit(3))
