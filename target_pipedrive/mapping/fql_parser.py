"""FQL syntax: tokens into a tree, with the standard precedence `!` > comparison > `and` > `or`.

One strictness beyond FQL: `and` and `or` mixed at one level without parentheses is refused,
because Segment's trigger builder reads such a trigger with no precedence at all, so a ported
trigger would silently route differently here than there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from .fql_lexer import (
    AND,
    COMMA,
    DOT,
    EOF,
    IDENT,
    LBRACK,
    LPAREN,
    NOT,
    NULL,
    NUMBER,
    OP,
    OR,
    RBRACK,
    RPAREN,
    STRING,
    FqlSyntaxError,
    Token,
    describe,
    tokenize,
)

# The bare identifier that names the Singer stream instead of a record key.
STREAM_WORD = "stream"

# name → number of arguments
FUNCTIONS: dict[str, int] = {
    "contains": 2,
    "match": 2,
    "length": 1,
    "lowercase": 1,
    "uppercase": 1,
    "snakecase": 1,
    "kebabcase": 1,
    "titlecase": 1,
    "typeof": 1,
    "bool": 1,
    "string": 1,
    "number": 1,
}


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Path:
    segments: tuple[str, ...]


@dataclass(frozen=True)
class Stream:
    pass


@dataclass(frozen=True)
class ListLit:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    offset: int


@dataclass(frozen=True)
class Cmp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Group:
    item: Node


Node: TypeAlias = Lit | Path | Stream | ListLit | Call | Cmp | And | Or | Not | Group

# Nesting beyond this is no real trigger and would exhaust Python's stack.
MAX_DEPTH = 64

_VALUE_HINT = "a value (a string, number, true, false, null, a path, a list, a function call or '(')"


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != EOF:
            self.pos += 1
        return token

    def fail(self, expected: str, token: Token | None = None) -> FqlSyntaxError:
        token = token or self.token
        return FqlSyntaxError(self.source, token.offset, f"expected {expected}, found {describe(token)}")

    def expect(self, kind: str, expected: str) -> Token:
        if self.token.kind != kind:
            raise self.fail(expected)
        return self.advance()

    def parse(self) -> Node:
        if self.token.kind == EOF:
            raise FqlSyntaxError(self.source, 0, "the trigger is empty; expected a condition")
        node = self.or_expr()
        if self.token.kind != EOF:
            raise self.fail("'and', 'or', an operator or the end of the trigger")
        return node

    def or_expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FqlSyntaxError(self.source, self.token.offset, f"nested deeper than {MAX_DEPTH} levels")
        try:
            return self._or_expr()
        finally:
            self.depth -= 1

    def _or_expr(self) -> Node:
        items = [self.and_expr()]
        first_or: Token | None = None
        while self.token.kind == OR:
            first_or = first_or or self.token
            self.advance()
            items.append(self.and_expr())
        if len(items) == 1:
            return items[0]
        if first_or is not None and any(isinstance(item, And) for item in items):
            raise FqlSyntaxError(
                self.source,
                first_or.offset,
                "'and' and 'or' are mixed without parentheses; expected parentheses saying which goes "
                "first, e.g. (a and b) or c (Segment's trigger builder ignores precedence, so the "
                "meaning would differ there)",
            )
        return Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.unary()]
        while self.token.kind == AND:
            self.advance()
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        if self.token.kind == NOT:
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FqlSyntaxError(self.source, self.token.offset, f"nested deeper than {MAX_DEPTH} levels")
            try:
                return Not(self.unary())
            finally:
                self.depth -= 1
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        token = self.token
        if token.kind == OP:
            self.advance()
            return Cmp(token.text, left, self.operand())
        if token.kind == IDENT and token.text == "in" and not token.escaped:
            self.advance()
            return Cmp("in", left, self.operand())
        return left

    def operand(self) -> Node:
        token = self.token
        kind = token.kind
        if kind == STRING:
            self.advance()
            return Lit(token.text)
        if kind == NUMBER:
            self.advance()
            return Lit(token.value)
        if kind == NULL:
            self.advance()
            return Lit(None)
        if kind == LBRACK:
            self.advance()
            return ListLit(self.items(RBRACK, "']'"))
        if kind == LPAREN:
            self.advance()
            inner = self.or_expr()
            self.expect(RPAREN, "')' or 'and' / 'or'")
            return Group(inner)
        if kind == IDENT:
            return self.path_or_call()
        raise self.fail(_VALUE_HINT)

    def items(self, closing: str, closing_text: str) -> tuple[Node, ...]:
        found: list[Node] = []
        if self.token.kind == closing:
            self.advance()
            return ()
        while True:
            found.append(self.or_expr())
            if self.token.kind == COMMA:
                self.advance()
                continue
            self.expect(closing, f"',' or {closing_text}")
            return tuple(found)

    def path_or_call(self) -> Node:
        first = self.advance()
        if self.token.kind == LPAREN:
            if first.escaped or first.text not in FUNCTIONS:
                raise FqlSyntaxError(
                    self.source,
                    first.offset,
                    f"unknown function {first.text!r}; expected one of {', '.join(sorted(FUNCTIONS))}",
                )
            self.advance()
            args = self.items(RPAREN, "')'")
            arity = FUNCTIONS[first.text]
            if len(args) != arity:
                raise FqlSyntaxError(
                    self.source,
                    first.offset,
                    f"{first.text}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(args)}",
                )
            return Call(first.text, args, first.offset)
        segments = [first.text]
        while self.token.kind == DOT:
            self.advance()
            segments.append(self.expect(IDENT, "a name after '.'").text)
        if len(segments) == 1 and not first.escaped:
            if first.text == "true":
                return Lit(True)
            if first.text == "false":
                return Lit(False)
            if first.text == STREAM_WORD:
                return Stream()
        return Path(tuple(segments))


def parse(source: str) -> Node:
    """The syntax tree of a trigger; raises FqlSyntaxError with the position and what was expected."""
    if not isinstance(source, str):
        raise TypeError("a trigger is a string")
    return _Parser(source).parse()
