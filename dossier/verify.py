"""Read finished outputs back and prove that each carries every fact of the ledger and the same metadata."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .document import Document
from .formats import get_format
from .model import NOT_IN_DOCUMENTS

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"'})
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]+")
_SOFT_HYPHEN_BREAK = re.compile("\u00ad[ \t]*\r?\n[ \t]*")


def normalise(text: str, keep_lines: bool = False) -> str:
    """Text as compared: NFKC, justification hyphens and invisible format characters removed,
    dashes and quotes unified, spaces collapsed.

    Real hyphens stay ('176-billion-parameter'). pypdfium2 returns a hard hyphen at
    a line end as U+FFFE with the two lines joined: that is a real hyphen.
    """
    text = text.replace("\ufffe", "-")
    # Content cannot hold these characters (load_profile refuses them), so one in an output's
    # text is an extraction artefact: pdfium gives \x05 at some font changes, for one.
    text = NOT_IN_DOCUMENTS.sub("", text)
    # A soft hyphen the line breaker used goes, with its line end. U+2010 stays: fact values are
    # set without automatic hyphenation, so a U+2010 there is a real hyphen.
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    text = text.replace("\u00ad", "")
    text = unicodedata.normalize("NFKC", text)
    # Invisible format characters (bidi marks, zero-width joiners) are not what a reader
    # sees, and PDF text extraction drops them: compare without them. Looking only at
    # the distinct characters present keeps this cheap on long texts.
    if not text.isascii():
        invisible = {ord(ch): None for ch in set(text) if unicodedata.category(ch) == "Cf"}
        if invisible:
            text = text.translate(invisible)
    text = _DASHES.sub("-", text.translate(_QUOTES))
    if keep_lines:  # an output's line breaks matter to `contains`
        return "\n".join(" ".join(line.split()) for line in _LINE_BREAKS.split(text) if line.strip())
    return " ".join(text.split())


def contains(text: str, value: str, wraps: bool = False) -> bool:
    """Whether `value` occurs in `text` as a whole: '46' is not found in '2046' or '46th'.

    With `wraps` (an output whose lines break inside values: the PDF), a line break in
    `text` stands for a space, or for nothing where a line may break without one: after
    a hyphen or slash, next to punctuation, or between CJK characters; never between two
    letters or digits of other scripts. Elsewhere a line break ends a paragraph.
    """
    if _contains_as_written(text, value):
        return True
    if not wraps:
        return False
    parts = []
    for index, char in enumerate(value):
        if char == " ":
            parts.append("[ \n]")
            continue
        parts.append(re.escape(char))
        following = value[index + 1:index + 2]
        if following and following != " " and _may_break_between(char, following):
            parts.append("\n?")
    pattern = "".join(parts)
    if value[:1].isalnum():
        pattern = r"(?<![^\W_])" + pattern
    if value[-1:].isalnum():
        pattern += r"(?![^\W_])"
    return re.search(pattern, text) is not None


def _may_break_between(before: str, after: str) -> bool:
    if not (before.isalnum() and after.isalnum()):
        return True
    return _wide(before) or _wide(after)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _contains_as_written(text: str, value: str) -> bool:
    """The common case, without a regular expression: the value with its own spaces."""
    start = text.find(value)
    while start != -1:
        end = start + len(value)
        before_ok = start == 0 or not (text[start - 1].isalnum() and value[0].isalnum())
        after_ok = end == len(text) or not (text[end].isalnum() and value[-1].isalnum())
        if before_ok and after_ok:
            return True
        start = text.find(value, start + 1)
    return False


def _mixed_direction_hint(value: str, fmt: str) -> str:
    """Why a value that mixes writing directions is not found in a PDF."""
    classes = {unicodedata.bidirectional(char) for char in value}
    if fmt == "pdf" and "L" in classes and classes & {"R", "AL"}:
        return (" [mixes right-to-left and left-to-right text, which the PDF's text layer holds in "
                "display order: give each direction its own fact]")
    return ""


@dataclass(frozen=True)
class OutputCheck:
    """The result of reading one output back: which facts it lacks, which metadata differ."""

    format: str
    name: str
    facts_checked: int
    missing: tuple[tuple[str, str], ...]  # (fact id, value)
    metadata: tuple[tuple[str, str, str], ...] = ()  # (field, expected, found)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.metadata

    def describe(self) -> str:
        if self.ok:
            return f"{self.name}: all {self.facts_checked} facts present"
        problems = []
        if self.missing:
            listed = "; ".join(f"{fact_id} ({value!r}){_mixed_direction_hint(value, self.format)}"
                               for fact_id, value in self.missing)
            problems.append(f"missing {len(self.missing)} of {self.facts_checked} facts: {listed}")
        problems += [f"metadata {field}: expected {expected!r}, found {found!r}"
                     for field, expected, found in self.metadata]
        return f"{self.name}: " + "; ".join(problems)


def check_output(document: Document, fmt: str, name: str, data: bytes, *, with_metadata: bool = True) -> OutputCheck:
    """Read `data` back with the format's reader: every fact value must be in it, and (unless
    `with_metadata` is false) the Document's metadata in its document properties."""
    spec = get_format(fmt)
    reader = spec.writer()
    values = document.facts
    text = normalise(reader.read_text(data), keep_lines=True)
    missing = tuple((fact_id, value) for fact_id, value in values.items()
                    if not contains(text, normalise(value), spec.wraps_lines))
    mismatches: tuple[tuple[str, str, str], ...] = ()
    if with_metadata:
        found = reader.read_metadata(data)
        mismatches = tuple((field, expected, found.get(field, "")) for field, expected in document.metadata.items()
                           if found.get(field, "") != expected)
    return OutputCheck(fmt, name, len(values), missing, mismatches)


def check_outputs(document: Document, outputs: dict[str, tuple[str, bytes]]) -> list[OutputCheck]:
    """Check several outputs, facts and metadata: {format: (display name, bytes)}."""
    return [check_output(document, fmt, name, data) for fmt, (name, data) in outputs.items()]
