"""Read finished outputs back and prove that each carries every fact of the ledger."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .context import fact_values
from .formats import get_format
from .model import Profile

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"'})
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_AUTO_HYPHEN_BREAK = re.compile("[\u00ad\u2010][ \t]*\r?\n[ \t]*")


def normalise(text: str) -> str:
    """Text as compared: NFKC, justification hyphens removed, dashes and quotes unified, spaces collapsed.

    Real hyphens stay ('176-billion-parameter'). pypdfium2 returns a hard hyphen at
    a line end as U+FFFE with the two lines joined: that is a real hyphen.
    """
    text = text.replace("\ufffe", "-")
    text = _AUTO_HYPHEN_BREAK.sub("", text)  # a hyphen the line breaker added, and its line end
    text = text.replace("\u00ad", "")
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text.translate(_QUOTES))
    return " ".join(text.split())


def contains(text: str, value: str) -> bool:
    """Whether `value` occurs in `text` as a whole: '46' is not found in '2046' or '46th'."""
    start = text.find(value)
    while start != -1:
        end = start + len(value)
        before_ok = start == 0 or not (text[start - 1].isalnum() and value[0].isalnum())
        after_ok = end == len(text) or not (text[end].isalnum() and value[-1].isalnum())
        if before_ok and after_ok:
            return True
        start = text.find(value, start + 1)
    return False


@dataclass(frozen=True)
class OutputCheck:
    """The result of reading one output back: which facts it lacks."""

    format: str
    name: str
    facts_checked: int
    missing: tuple[tuple[str, str], ...]  # (fact id, value)

    @property
    def ok(self) -> bool:
        return not self.missing

    def describe(self) -> str:
        if self.ok:
            return f"{self.name}: all {self.facts_checked} facts present"
        listed = "; ".join(f"{fact_id} ({value!r})" for fact_id, value in self.missing)
        return f"{self.name}: missing {len(self.missing)} of {self.facts_checked} facts: {listed}"


def check_output(profile: Profile, fmt: str, name: str, data: bytes, values: dict[str, str] | None = None) -> OutputCheck:
    """Read `data` back with the format's reader and look for every fact value in it."""
    values = fact_values(profile) if values is None else values
    text = normalise(get_format(fmt).read_text(data))
    missing = tuple((fact_id, value) for fact_id, value in values.items() if not contains(text, normalise(value)))
    return OutputCheck(fmt, name, len(values), missing)


def check_outputs(profile: Profile, outputs: dict[str, tuple[str, bytes]]) -> list[OutputCheck]:
    """Check several outputs: {format: (display name, bytes)}."""
    values = fact_values(profile)
    return [check_output(profile, fmt, name, data, values) for fmt, (name, data) in outputs.items()]
