"""Prohibited-word (敏感词) matching: Aho–Corasick over normalised text.

Normalisation folds what people use to slip words past a filter: full-width forms
(NFKC turns "ＡＢＣ１２" into "abc12"), letter case and any whitespace between the characters
("敏 感 词"). Hits are
reported with their position and surrounding context in the ORIGINAL text, so the editor sees
exactly what to change. One pass over the text whatever the number of words (O(n + hits)).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

CONTEXT_CHARS = 12
_TAG = re.compile(r"<[^>]+>")


def normalise(text: str) -> str:
    """The form words are stored and compared in."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if not ch.isspace())


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the index of the original character."""
    out: list[str] = []
    positions: list[int] = []
    for i, ch in enumerate(text):
        for folded in unicodedata.normalize("NFKC", ch).casefold():
            if not folded.isspace():
                out.append(folded)
                positions.append(i)
    return "".join(out), positions


def html_to_text(value: str) -> str:
    """Rich text as a reader sees it (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub(" ", value or ""))


@dataclass(frozen=True)
class Hit:
    word: str  # the listed word as stored
    field: str  # which part of the page (its label)
    start: int  # in the original text
    end: int
    found: str  # the text as written, e.g. "敏 感 词"
    before: str
    after: str

    def as_dict(self) -> dict[str, object]:
        return {"word": self.word, "field": self.field, "found": self.found,
                "context": f"{self.before}【{self.found}】{self.after}"}  # fmt: skip


class Matcher:
    """An Aho–Corasick automaton over normalised words."""

    def __init__(self, words: Iterable[str]) -> None:
        self.goto: list[dict[str, int]] = [{}]
        self.fail: list[int] = [0]
        self.out: list[list[str]] = [[]]
        for word in words:
            key = normalise(word)
            if key:
                self._add(key, word)
        self._link()

    def _add(self, key: str, word: str) -> None:
        state = 0
        for ch in key:
            nxt = self.goto[state].get(ch)
            if nxt is None:
                nxt = len(self.goto)
                self.goto[state][ch] = nxt
                self.goto.append({})
                self.fail.append(0)
                self.out.append([])
            state = nxt
        self.out[state].append(word)

    def _link(self) -> None:
        queue = deque(self.goto[0].values())
        while queue:
            state = queue.popleft()
            for ch, nxt in self.goto[state].items():
                queue.append(nxt)
                f = self.fail[state]
                while f and ch not in self.goto[f]:
                    f = self.fail[f]
                self.fail[nxt] = self.goto[f].get(ch, 0) if self.goto[f].get(ch) != nxt else 0
                self.out[nxt] = self.out[nxt] + self.out[self.fail[nxt]]

    def __bool__(self) -> bool:
        return len(self.goto) > 1

    def find(self, text: str, field: str = "") -> list[Hit]:
        if not text or not self:
            return []
        norm, positions = _normalise_with_map(text)
        hits: list[Hit] = []
        state = 0
        for i, ch in enumerate(norm):
            while state and ch not in self.goto[state]:
                state = self.fail[state]
            state = self.goto[state].get(ch, 0)
            for word in self.out[state]:
                n = len(normalise(word))
                start, end = positions[i - n + 1], positions[i] + 1
                hits.append(Hit(
                    word=word, field=field, start=start, end=end, found=text[start:end],
                    before=text[max(0, start - CONTEXT_CHARS):start].strip(),
                    after=text[end:end + CONTEXT_CHARS].strip(),
                ))  # fmt: skip
        return hits
