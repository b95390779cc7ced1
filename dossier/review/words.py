"""Word-level differences between two texts: tokens with their places, the edits, and how to show them."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# A word keeps its inner punctuation ('1,200', '176-billion-parameter', "don't"); other punctuation
# is a token of its own, so 'billion,' → 'billion;' changes one comma, not the word.
TOKEN = re.compile(r"\w+(?:[.,'’\-/]\w+)*|[^\w\s]")
MAX_TOKENS = 20_000  # a paragraph longer than this is compared as a whole: difflib is quadratic at worst


@dataclass(frozen=True)
class Edit:
    """One difference: old[a0:a1] (characters) became new[b0:b1]; either side may be empty."""

    a0: int
    a1: int
    b0: int
    b1: int


def tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def edits(old: str, new: str) -> list[Edit]:
    """The word-level edits that turn `old` into `new`, as character spans of each."""
    a, b = tokens(old), tokens(new)
    if len(a) > MAX_TOKENS or len(b) > MAX_TOKENS:
        return [] if old == new else [Edit(0, len(old), 0, len(new))]
    matcher = difflib.SequenceMatcher(None, [t[0] for t in a], [t[0] for t in b], autojunk=False)
    found = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        a0 = a[i1][1] if i1 < len(a) else len(old)
        a1 = a[i2 - 1][2] if i2 > i1 else a0
        b0 = b[j1][1] if j1 < len(b) else len(new)
        b1 = b[j2 - 1][2] if j2 > j1 else b0
        if i2 == i1 and i1 > 0:  # an insertion: placed after the previous token
            a0 = a1 = a[i1 - 1][2]
        if j2 == j1 and j1 > 0:
            b0 = b1 = b[j1 - 1][2]
        found.append(Edit(a0, a1, b0, b1))
    return found


def similarity(old: str, new: str) -> float:
    """0 (nothing in common) to 1 (the same words)."""
    a, b = [t[0] for t in tokens(old)], [t[0] for t in tokens(new)]
    if not a and not b:
        return 1.0
    if len(a) > MAX_TOKENS or len(b) > MAX_TOKENS:
        return 1.0 if a == b else 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def new_span(found: list[Edit], start: int, end: int) -> tuple[int, int] | None:
    """Where old[start:end] is in the new text, given the edits; None when the span is unchanged."""
    touched = [e for e in found if e.a0 < end and e.a1 > start or (e.a0 == e.a1 and start < e.a0 < end)]
    if not touched:
        return None
    shift_before = _shift(found, start)
    first, last = touched[0], touched[-1]
    b0 = min(first.b0, start + shift_before)
    b1 = max(last.b1, end + _shift(found, end))
    return max(b0, 0), b1


def _shift(found: list[Edit], position: int) -> int:
    """How far text at `position` of the old string moved in the new one (edits wholly before it)."""
    shift = 0
    for e in found:
        if e.a1 <= position and not (e.a0 == e.a1 == position):
            shift += (e.b1 - e.b0) - (e.a1 - e.a0)
    return shift


def marked(old: str, new: str, found: list[Edit], style: str = "plain", context: int = 8) -> str:
    """The new text with the edits shown: [-old-]{+new+} (style 'plain'), ~~old~~ **new** ('md') or
    red and green ('ansi'). Unchanged stretches longer than 2 × `context` words are cut to their ends."""
    opening = {"plain": ("[-", "-]", "{+", "+}"), "md": ("~~", "~~", "**", "**"),
               "ansi": ("\033[31m[-", "-]\033[0m", "\033[32m{+", "+}\033[0m")}[style]
    parts = []
    position = 0
    for index, e in enumerate(found):
        parts.append(_elide(new[position:e.b0], context, first=index == 0, last=False))
        if e.a1 > e.a0:
            parts.append(f"{opening[0]}{old[e.a0:e.a1]}{opening[1]}")
        if e.b1 > e.b0:
            if e.a1 > e.a0:
                parts.append(" ")
            parts.append(f"{opening[2]}{new[e.b0:e.b1]}{opening[3]}")
        position = e.b1
    parts.append(_elide(new[position:], context, first=not found, last=True))
    return "".join(parts)


def _elide(text: str, context: int, first: bool, last: bool) -> str:
    words = text.split(" ")
    if first and last:
        return text
    if first:
        return text if len(words) <= context else "… " + " ".join(words[-context:])
    if last:
        return text if len(words) <= context else " ".join(words[:context]) + " …"
    if len(words) <= 2 * context + 1:
        return text
    return " ".join(words[:context]) + " … " + " ".join(words[-context:])
