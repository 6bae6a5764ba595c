"""SCORM 1.2 `adlcp:prerequisites`: the AICC CMI script subset SCORM 1.2 names (CAM 2.3.2.5).

Grammar (precedence: `~` binds tightest, then `&`, then `|`)::

    expr    := term ("|" term)*
    term    := factor ("&" factor)*
    factor  := "~" factor | "(" expr ")" | set | comparison
    set     := NUMBER "*" "{" expr ("," expr)* "}"      -- at least NUMBER members true
    compare := IDENT [("=" | "<>") STATUS]               -- bare IDENT: completed or passed

STATUS is passed, completed, failed, incomplete, browsed or not attempted (quoted or not; the
AICC one-letter forms p, c, f, i, b, n too).
"""

from __future__ import annotations

import re
from collections.abc import Callable

STATUSES = {
    "passed": "passed",
    "p": "passed",
    "completed": "completed",
    "c": "completed",
    "failed": "failed",
    "f": "failed",
    "incomplete": "incomplete",
    "i": "incomplete",
    "browsed": "browsed",
    "b": "browsed",
    "not attempted": "not attempted",
    "n": "not attempted",
}
_TOKEN = re.compile(r'\s*(?:(<>|[&|~(){}=*,])|"([^"]*)"|([^\s&|~(){}=*,<>"]+))')

# A compiled expression: given a status lookup (identifier -> status word), True or False.
Check = Callable[[Callable[[str], str]], bool]


class PrerequisiteError(ValueError):
    """The expression does not follow the grammar."""


def _tokens(text: str) -> list[tuple[str, str]]:
    found = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise PrerequisiteError(f"unexpected character at {position}: {text[position:]!r}")
        operator, quoted, word = match.groups()
        if operator:
            found.append(("op", operator))
        elif quoted is not None:
            found.append(("str", quoted))
        else:
            found.append(("word", word))
        position = match.end()
    return found


MAX_NESTING = 50


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.at = 0
        self.identifiers: set[str] = set()
        self.nesting = 0

    def peek(self, value: str | None = None):
        if self.at >= len(self.tokens):
            return None
        token = self.tokens[self.at]
        if value is not None and token != ("op", value):
            return None
        return token

    def take(self, value: str) -> None:
        if not self.peek(value):
            raise PrerequisiteError(f"expected {value!r}")
        self.at += 1

    def parse(self) -> Check:
        if not self.tokens:
            return lambda status: True
        check = self.expr()
        if self.at != len(self.tokens):
            raise PrerequisiteError(f"unexpected {self.tokens[self.at][1]!r}")
        return check

    def expr(self) -> Check:
        parts = [self.term()]
        while self.peek("|"):
            self.at += 1
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda status: any(p(status) for p in parts))

    def term(self) -> Check:
        parts = [self.factor()]
        while self.peek("&"):
            self.at += 1
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else (lambda status: all(p(status) for p in parts))

    def factor(self) -> Check:
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise PrerequisiteError(f"nested deeper than {MAX_NESTING}")
            return self._factor()
        finally:
            self.nesting -= 1

    def _factor(self) -> Check:
        token = self.peek()
        if token is None:
            raise PrerequisiteError("expression ends too early")
        if token == ("op", "~"):
            self.at += 1
            inner = self.factor()
            return lambda status: not inner(status)
        if token == ("op", "("):
            self.at += 1
            inner = self.expr()
            self.take(")")
            return inner
        if token[0] != "word":
            raise PrerequisiteError(f"unexpected {token[1]!r}")
        self.at += 1
        if self.peek("*"):
            if not token[1].isdigit():
                raise PrerequisiteError(f"a set count must be a number, not {token[1]!r}")
            self.at += 1
            self.take("{")
            members = [self.expr()]
            while self.peek(","):
                self.at += 1
                members.append(self.expr())
            self.take("}")
            need = int(token[1])
            return lambda status: sum(1 for m in members if m(status)) >= need
        identifier = token[1]
        self.identifiers.add(identifier)
        if self.peek("=") or self.peek("<>"):
            negate = self.tokens[self.at][1] == "<>"
            self.at += 1
            wanted = self.status_word()
            if negate:
                return lambda status: status(identifier) != wanted
            return lambda status: status(identifier) == wanted
        return lambda status: status(identifier) in ("completed", "passed")

    def status_word(self) -> str:
        token = self.peek()
        if token is None or token[0] == "op":
            raise PrerequisiteError("a comparison needs a status")
        self.at += 1
        word = token[1].strip().lower()
        if token[0] == "word" and word == "not":
            following = self.peek()
            if following and following[0] == "word" and following[1].lower() == "attempted":
                self.at += 1
                word = "not attempted"
        if word not in STATUSES:
            raise PrerequisiteError(f"unknown status {token[1]!r}")
        return STATUSES[word]


def compile_prerequisites(text: str) -> tuple[Check, set[str]]:
    """The expression as a check and the identifiers it names; PrerequisiteError when malformed."""
    parser = _Parser(text or "")
    return parser.parse(), parser.identifiers
