"""FQL tokens, following the lexical rules of Segment's fql-ts lexer.

Deliberate leniencies: `<`, `>` and `!` may follow an identifier or number without a space
(`count>5`), and `!!x` is a double negation instead of an error.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_STRING = 100_000

# Token kinds.
STRING, NUMBER, IDENT, OP, NOT, AND, OR, NULL = (
    "string",
    "number",
    "identifier",
    "op",
    "!",
    "and",
    "or",
    "null",
)
DOT, COMMA, LPAREN, RPAREN, LBRACK, RBRACK, EOF = ".", ",", "(", ")", "[", "]", "end of input"

_WHITESPACE = frozenset(" \t\n\r")
# What may end a keyword, a number or a value: the lexer's "terminators".
_TERMINATORS = _WHITESPACE | frozenset(",])")
# What may directly follow an identifier (terminators, a path dot, a call's "(" or an operator).
_AFTER_IDENT = _TERMINATORS | frozenset(".(=!<>")
_AFTER_NUMBER = _TERMINATORS | frozenset("=!<>")
_PUNCTUATION = {",": COMMA, "(": LPAREN, ")": RPAREN, "[": LBRACK, "]": RBRACK}
_KEYWORDS = {"and": AND, "or": OR, "null": NULL}


class FqlSyntaxError(Exception):
    """A trigger that is not valid FQL; `offset` is the 0-based character position."""

    def __init__(self, source: str, offset: int, message: str) -> None:
        self.source = source
        self.offset = offset
        self.message = message
        super().__init__(f"{self.where()}: {message}")

    def where(self) -> str:
        before = self.source[: self.offset]
        line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
        column = self.offset - max(before.rfind("\n"), before.rfind("\r"))
        return f"line {line}, column {column}" if line > 1 else f"column {column}"


@dataclass(frozen=True)
class Token:
    kind: str
    text: str  # the source text, or a string's or identifier's decoded value
    offset: int
    value: object = None  # a number's value
    escaped: bool = False  # an identifier written with a backslash escape is always a path


def _is_ident_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_\\"


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_-\\"


def describe(token: Token) -> str:
    if token.kind == EOF:
        return "end of input"
    if token.kind == STRING:
        return "a string"
    return repr(token.text)


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in _WHITESPACE:
            i += 1
        elif ch in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[ch], ch, i))
            i += 1
        elif ch == ".":
            tokens.append(Token(DOT, ch, i))
            i += 1
        elif ch in "\"'":
            end = source.find(ch, i + 1)
            if end < 0:
                raise FqlSyntaxError(source, i, f"unterminated string: expected a closing {ch}")
            if end - i - 1 > MAX_STRING:
                raise FqlSyntaxError(source, i, f"string longer than {MAX_STRING} characters")
            tokens.append(Token(STRING, source[i + 1 : end], i))
            i = end + 1
        elif ch == "!":
            nxt = source[i + 1 : i + 2]
            if nxt == "=":
                tokens.append(Token(OP, "!=", i))
                i += 2
            elif nxt and (_is_ident_start(nxt) or nxt in "(!"):
                tokens.append(Token(NOT, "!", i))
                i += 1
            else:
                raise FqlSyntaxError(
                    source, i + 1, "expected '=' after '!' (or '!' directly before a condition)"
                )
        elif ch in "=<>":
            if ch != "=" and source[i + 1 : i + 2] == "=":
                tokens.append(Token(OP, ch + "=", i))
                i += 2
            else:
                tokens.append(Token(OP, ch, i))
                i += 1
        elif ch.isdigit() or (ch in "+-" and source[i + 1 : i + 2].isdigit()):
            i = _number(source, i, tokens)
        elif _is_ident_start(ch):
            i = _identifier(source, i, tokens)
        else:
            raise FqlSyntaxError(source, i, f"unexpected character {ch!r}")
    tokens.append(Token(EOF, "", n))
    return tokens


def _number(source: str, start: int, tokens: list[Token]) -> int:
    i, n = start + 1, len(source)
    while i < n and source[i].isdigit():
        i += 1
    is_float = False
    if i < n and source[i] == ".":
        if not source[i + 1 : i + 2].isdigit():
            raise FqlSyntaxError(source, i + 1, "expected a digit after the decimal point")
        is_float = True
        i += 1
        while i < n and source[i].isdigit():
            i += 1
    if i < n and source[i] not in _AFTER_NUMBER:
        raise FqlSyntaxError(source, i, "expected a space, ',', ')' or ']' after the number")
    text = source[start:i]
    try:
        value: object = float(text) if is_float else int(text)
    except ValueError:  # digits that str.isdigit() accepts but int() does not (e.g. superscripts)
        raise FqlSyntaxError(source, start, f"{text!r} is not a number") from None
    tokens.append(Token(NUMBER, text, start, value))
    return i


def _identifier(source: str, start: int, tokens: list[Token]) -> int:
    i, n = start, len(source)
    chars: list[str] = []
    escaped = False
    while i < n and _is_ident_char(source[i]):
        if source[i] == "\\":
            if i + 1 >= n:
                raise FqlSyntaxError(source, i + 1, "expected a character after '\\'")
            chars.append(source[i + 1])
            escaped = True
            i += 2
        else:
            chars.append(source[i])
            i += 1
    word = "".join(chars)
    if not escaped and word in _KEYWORDS and (i >= n or source[i] in _TERMINATORS or source[i] == "("):
        tokens.append(Token(_KEYWORDS[word], word, start))
        return i
    if i < n and source[i] not in _AFTER_IDENT:
        raise FqlSyntaxError(
            source, i, f"expected a space, '.', '(', an operator, ',', ')' or ']' after {word!r}"
        )
    tokens.append(Token(IDENT, word, start, escaped=escaped))
    return i
