"""Chinese text handling for the index: jieba segmentation, character bigrams, highlighting.

Index and query run through the same normalisation (NFKC, lower case, only letters/digits/CJK
kept), so what the query asks for and what the index stores are spelt the same. Tokens never
contain spaces or punctuation, so they are safe to hand to FTS5 (quoted) and to PostgreSQL's
``simple`` parser, which both see exactly one lexeme per token.
"""

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_lock = threading.Lock()
_tokenizer = None

# A "word character run": letters, digits, CJK ideographs. Everything else separates.
_RUN = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# Function words that match almost everything; dropped from queries (not from the index, so a
# phrase over the bigrams still lines up).
STOPWORDS = frozenset("的了和与及或在是为对于以等将由把被之其也就都而从向中上下个")


def tokenizer():
    """The shared jieba tokenizer, loaded once (≈1 s: the dictionary's cache is read)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.dt.initialize()
                _tokenizer = jieba.dt
    return _tokenizer


def normalise(text: str) -> str:
    """NFKC (full-width → half-width) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def words(text: str) -> list[str]:
    """jieba *search mode* words of ``text`` (long words and their sub-words), punctuation
    dropped — what the index stores."""
    result: list[str] = []
    seg = tokenizer()
    for run in _RUN.findall(normalise(text)):
        if not _CJK.search(run):
            result.append(run)
            continue
        result.extend(w for w in seg.cut_for_search(run, HMM=True) if w.strip())
    return result


def query_words(text: str) -> list[str]:
    """The words a query asks for: jieba *precise mode* (one segmentation), stop words dropped,
    duplicates removed, order kept."""
    seen: dict[str, None] = {}
    seg = tokenizer()
    for run in _RUN.findall(normalise(text)):
        parts = [run] if not _CJK.search(run) else seg.lcut(run, HMM=True)
        for word in parts:
            if word.strip() and word not in STOPWORDS:
                seen.setdefault(word, None)
    return list(seen)


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of every CJK run (single characters stay single), in
    order: a phrase over them is a substring search that ignores segmentation."""
    result: list[str] = []
    for run in _CJK_RUN.findall(normalise(text)):
        if len(run) == 1:
            result.append(run)
        else:
            result.extend(run[i : i + 2] for i in range(len(run) - 1))
    return result


def word_bigrams(word: str) -> list[str]:
    return bigrams(word) if is_cjk(word) else [word]


def index_text(text: str) -> str:
    return " ".join(words(text))


def index_grams(text: str) -> str:
    return " ".join(bigrams(text))


def highlight(text: str, terms: Iterable[str], *, limit: int | None = None) -> SafeString:
    """``text`` HTML-escaped with every occurrence of ``terms`` wrapped in ``<mark>``.

    Matching is done on the raw text (case-insensitive), then each piece is escaped on its own,
    so no query or content can inject markup. With ``limit``, a window of about ``limit``
    characters around the first hit is shown (an excerpt).
    """
    text = text or ""
    needles = sorted({t for t in terms if t}, key=len, reverse=True)
    pattern = (
        re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE) if needles else None
    )
    if limit is not None and len(text) > limit:
        first = pattern.search(text) if pattern else None
        start = max(0, first.start() - limit // 4) if first else 0
        end = start + limit
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    if pattern is None:
        return mark_safe(escape(text))  # noqa: S308 - escaped just here
    out: list[str] = []
    pos = 0
    for match in pattern.finditer(text):
        out.append(escape(text[pos : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        pos = match.end()
    out.append(escape(text[pos:]))
    # Adjacent words of one phrase read as one highlight.
    return mark_safe("".join(out).replace("</mark><mark>", ""))  # noqa: S308 - escaped above


def is_cjk(word: str) -> bool:
    return bool(_CJK.search(word))
