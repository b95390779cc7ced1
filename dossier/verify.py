"""Read finished outputs back and prove that each carries every fact of the ledger where a reader sees it,
and the same metadata; and that nothing else a reader sees is wrong (a second page, hidden text)."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass

from .document import Document
from .errors import VerificationError
from .formats import Reading, get_format
from .model import NOT_IN_DOCUMENTS
from .scripts import mixes_directions

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"'})
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]+")
_SOFT_HYPHEN_BREAK = re.compile("\u00ad[ \t]*\r?\n[ \t]*")
_SOFT_HYPHEN = re.compile("\u00ad")
_GAP = re.compile("[ \n]")
_NFKC_CHUNK = re.compile(r"\S+|\s")


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


def normalise_with_origins(text: str) -> tuple[str, list[int]]:
    """`normalise(text, keep_lines=True)`, and for each of its characters the index in `text` it comes
    from (-1 for the spaces and line ends it joins with), so that a place found in the normalised text
    can be looked at in the output: the same steps as `normalise`, each keeping track of positions."""
    origins = list(range(len(text)))
    text = text.replace("\ufffe", "-")
    for pattern in (NOT_IN_DOCUMENTS, _SOFT_HYPHEN_BREAK, _SOFT_HYPHEN):
        text, origins = _delete(text, origins, pattern)
    if not unicodedata.is_normalized("NFKC", text):
        text, origins = _nfkc_with_origins(text, origins)
    if not text.isascii():
        invisible = "".join(ch for ch in set(text) if unicodedata.category(ch) == "Cf")
        if invisible:
            text, origins = _delete(text, origins, re.compile(f"[{re.escape(invisible)}]"))
    text = _DASHES.sub("-", text.translate(_QUOTES))  # one character for one: the origins stay
    normal = "\n".join(" ".join(line.split()) for line in _LINE_BREAKS.split(text) if line.strip())
    # What is left of `text` is its non-space characters, in order, with one space or line end between words.
    letters = list(itertools.compress(origins, [not char.isspace() for char in text]))
    kept: list[int] = []
    done = previous = 0
    for gap in _GAP.finditer(normal):
        count = gap.start() - previous
        kept.extend(letters[done:done + count])
        kept.append(-1)
        done, previous = done + count, gap.end()
    kept.extend(letters[done:])
    return normal, kept


def _delete(text: str, origins: list[int], pattern: re.Pattern) -> tuple[str, list[int]]:
    spans = [match.span() for match in pattern.finditer(text)]
    if not spans:
        return text, origins
    parts, kept, start = [], [], 0
    for begin, end in spans:
        parts.append(text[start:begin])
        kept.extend(origins[start:begin])
        start = end
    parts.append(text[start:])
    kept.extend(origins[start:])
    return "".join(parts), kept


def _nfkc_with_origins(text: str, origins: list[int]) -> tuple[str, list[int]]:
    """NFKC, word by word where a word holds a character NFKC changes or combines."""
    suspects = "".join(char for char in set(text)
                       if unicodedata.combining(char) or unicodedata.normalize("NFKC", char) != char)
    chunks = re.compile(f"\\S*[{re.escape(suspects)}]\\S*") if suspects else _NFKC_CHUNK
    parts, kept, done = [], [], 0
    for chunk in chunks.finditer(text):
        start, end = chunk.span()
        parts.append(text[done:start])
        kept.extend(origins[done:start])
        normal = unicodedata.normalize("NFKC", chunk.group())
        parts.append(normal)
        # Character by character ('ﬁ' → 'fi'), a letter with its combining marks as one ('e' + U+0301 → 'é').
        clusters: list[list[int]] = []
        for index in range(start, end):
            if not clusters or not unicodedata.combining(text[index]):
                clusters.append([])
            clusters[-1].append(index)
        pieces = [unicodedata.normalize("NFKC", "".join(text[i] for i in cluster)) for cluster in clusters]
        if "".join(pieces) == normal:
            kept.extend(origins[cluster[0]] for cluster, piece in zip(clusters, pieces) for _ in piece)
        else:  # a composition across letters (Hangul jamo): spread the origins over what the chunk became
            kept.extend(origins[start + (index * (end - start)) // len(normal)] for index in range(len(normal)))
        done = end
    parts.append(text[done:])
    kept.extend(origins[done:])
    whole = unicodedata.normalize("NFKC", text)
    if "".join(parts) != whole:  # a composition across the chunks (Hangul jamo…): spread over the whole text
        kept = [origins[(index * len(text)) // len(whole)] for index in range(len(whole))]
    return whole, kept


def contains(text: str, value: str, wraps: bool = False) -> bool:
    """Whether `value` occurs in `text` as a whole: '46' is not found in '2046' or '46th'.

    With `wraps` (an output whose lines break inside values: the PDF), a line break in
    `text` stands for a space, or for nothing where a line may break without one: after
    a hyphen or slash, next to punctuation, next to a CJK character, or next to a letter of a
    script written without spaces between words (Thai, Lao, Khmer, Myanmar); never between two
    letters or digits of other scripts. Elsewhere a line break ends a paragraph. A value that
    starts or ends with a letter of those four scripts may also touch a letter of them: their
    words are not set apart by spaces.
    """
    if next(_as_written(text, value), None) is not None:
        return True
    if not wraps:
        return False
    return _wrapping_pattern(value).search(text) is not None


def occurrences(text: str, value: str, wraps: bool = False) -> list[tuple[int, int]]:
    """Every (start, end) where `contains` finds `value` in `text`, in order."""
    found = set(_as_written(text, value))
    if wraps and value:
        found.update(match.span() for match in _wrapping_pattern(value).finditer(text))
    return sorted(found)


@functools.lru_cache(maxsize=1024)
def _wrapping_pattern(value: str) -> re.Pattern:
    parts = []
    for index, char in enumerate(value):
        if char == " ":
            parts.append("[ \n]")
            continue
        parts.append(re.escape(char))
        following = value[index + 1:index + 2]
        if following and following != " " and _may_break_between(char, following):
            parts.append("\n?")
    if value[:1].isalnum() and not _unspaced(value[0]):
        # Not after a letter or digit; said after the first character, so that the pattern starts with
        # a literal and the search skips ahead to it, many times faster than trying every position.
        parts.insert(1, f"(?<![^\\W_]{re.escape(value[0])})")
    if value[-1:].isalnum() and not _unspaced(value[-1]):
        parts.append(r"(?![^\W_])")
    return re.compile("".join(parts))


def _may_break_between(before: str, after: str) -> bool:
    if not (before.isalnum() and after.isalnum()):
        return True
    return _wide(before) or _wide(after) or _unspaced(before) or _unspaced(after)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _unspaced(char: str) -> bool:
    """A letter or mark of a script written without spaces between words (Thai, Lao, Myanmar, Khmer): a
    line may break next to it, and a word of it may touch the words around it. Not their digits ('๔๖'
    is not found in '๒๐๔๖'), and not CJK or Hangul, whose whole-word rule is as for other scripts."""
    return (("\u0e00" <= char <= "\u0eff" or "\u1000" <= char <= "\u109f" or "\u1780" <= char <= "\u17ff")
            and unicodedata.category(char)[0] in "LM")


INDEXED_FROM = 20_000  # characters of text from which a word index beats str.find over the whole text
_WORD = re.compile(r"[^\W_]+")  # a run of letters and digits: the characters str.isalnum() says are


@functools.lru_cache(maxsize=2)
def _word_starts(text: str) -> dict[str, list[int]]:
    """{word: the offsets where it starts} of a long text, made once per text (an output read back is
    searched for every fact: with this, n facts in a text of size n cost n, not n²)."""
    starts: dict[str, list[int]] = {}
    for match in _WORD.finditer(text):
        starts.setdefault(match.group(), []).append(match.start())
    return starts


def _leading_word(value: str) -> str | None:
    """The word a value starts with, when every place the value is found as a whole begins with exactly
    that word of the text; None when the index cannot tell (a value that starts with punctuation, or
    whose first word or last letter is of a script written without spaces between words)."""
    match = _WORD.match(value)
    if match is None or _unspaced(value[-1]) or any(_unspaced(char) for char in match.group()):
        return None
    return match.group()


def _as_written(text: str, value: str):
    """The common case, without a regular expression: (start, end) of the value with its own spaces."""
    if not value:
        return
    head = _leading_word(value) if len(text) >= INDEXED_FROM else None
    if head is not None:
        for start in _word_starts(text).get(head, ()):
            end = start + len(value)
            if text.startswith(value, start) and (end == len(text) or not (
                    text[end].isalnum() and value[-1].isalnum())):
                yield start, end
        return
    start = text.find(value)
    while start != -1:
        end = start + len(value)
        before_ok = start == 0 or not (text[start - 1].isalnum() and value[0].isalnum()) or (
            _unspaced(text[start - 1]) and _unspaced(value[0]))
        after_ok = end == len(text) or not (text[end].isalnum() and value[-1].isalnum()) or (
            _unspaced(text[end]) and _unspaced(value[-1]))
        if before_ok and after_ok:
            yield start, end
        start = text.find(value, start + 1)


def _mixed_direction_hint(value: str, fmt: str) -> str:
    """Why a value that mixes writing directions is not found in a PDF."""
    if fmt == "pdf" and mixes_directions(value):
        return (" [mixes right-to-left and left-to-right text, which the PDF's text layer holds in "
                "display order: give each direction its own fact]")
    return ""


@dataclass(frozen=True)
class OutputCheck:
    """The result of reading one output back: which facts it lacks, which metadata differ, and what
    else a reader of it sees wrong."""

    format: str
    name: str
    facts_checked: int
    missing: tuple[tuple[str, str], ...]  # (fact id, value)
    metadata: tuple[tuple[str, str, str], ...] = ()  # (field, expected, found)
    # What a reader sees wrong besides missing facts: "2 pages; a fact sheet is one page", "facts drawn
    # invisibly: …", "hidden text in 3 runs: …", "cannot be read as a PDF: …".
    problems: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()  # missing facts that the file holds in text a reader does not see

    @property
    def ok(self) -> bool:
        return not self.missing and not self.metadata and not self.problems

    def describe(self) -> str:
        if self.ok:
            return f"{self.name}: all {self.facts_checked} facts present"
        problems = []
        if self.missing:
            every_one_hidden = len(self.missing) > 1 and all(fact_id in self.hidden for fact_id, _ in self.missing)
            listed = "; ".join(f"{fact_id} ({value!r}){'' if every_one_hidden else self._missing_hint(fact_id, value)}"
                               for fact_id, value in self.missing)
            how = ", each only in hidden text" if every_one_hidden else ""
            problems.append(f"missing {len(self.missing)} of {self.facts_checked} facts{how}: {listed}")
        problems += [f"metadata {field}: expected {expected!r}, found {found!r}"
                     for field, expected, found in self.metadata]
        problems += self.problems
        return f"{self.name}: " + "; ".join(problems)

    def _missing_hint(self, fact_id: str, value: str) -> str:
        if fact_id in self.hidden:
            return " [only in hidden text]"
        return _mixed_direction_hint(value, self.format)


def check_output(document: Document, fmt: str, name: str, data: bytes, *, with_metadata: bool = True) -> OutputCheck:
    """Read `data` back with the format's reader: every fact value must be in what a reader sees (and,
    in a PDF, drawn visibly wherever its text layer holds it), nothing the reader notices may be wrong
    (a second page, hidden text), and (unless `with_metadata` is false) the Document's metadata must be
    in its document properties. A file that cannot be read at all fails with the reader's reason."""
    spec = get_format(fmt)
    reader = spec.writer()
    values = document.checked
    places = _FactPlaces({fact_id: normalise(value) for fact_id, value in values.items()}, spec.wraps_lines)
    reading = Reading(locate=places)
    try:
        seen = reader.read_text(data, reading)
        found = reader.read_metadata(data) if with_metadata else {}
    except VerificationError as exc:  # the file is not what its name says: nothing else to check
        return OutputCheck(fmt, name, len(values), (), (), (exc.message,))
    text = normalise(seen, keep_lines=True)
    if places.text == text:  # the reader had the facts located in this very text: `contains` would agree
        missing = tuple((fact_id, value) for fact_id, value in values.items() if not places.places[fact_id])
    else:
        missing = tuple((fact_id, value) for fact_id, value in values.items()
                        if not contains(text, places.values[fact_id], spec.wraps_lines))
    hidden: tuple[str, ...] = ()
    if missing and reading.hidden_text:
        concealed = normalise(reading.hidden_text, keep_lines=True)
        hidden = tuple(fact_id for fact_id, _value in missing
                       if contains(concealed, places.values[fact_id], spec.wraps_lines))
    undrawn = _undrawn_facts(values, places, reading.undrawn)
    problems = ([undrawn] if undrawn else []) + reading.problems
    mismatches: tuple[tuple[str, str, str], ...] = ()
    if with_metadata:
        mismatches = tuple((field, expected, found.get(field, "")) for field, expected in document.metadata.items()
                           if found.get(field, "") != expected)
    return OutputCheck(fmt, name, len(values), missing, mismatches, tuple(problems), hidden)


class _FactPlaces:
    """Where each fact is in an output's text, for a reader that can tell whether a place is drawn."""

    def __init__(self, values: dict[str, str], wraps: bool):
        self.values = values  # fact id → normalised value
        self.wraps = wraps
        self.places: dict[str, list[tuple[int, ...]]] = {}  # fact id → its places, as indices of the text read
        self.text: str | None = None  # the text read, normalised

    def __call__(self, text: str) -> list[tuple[int, ...]]:
        normal, origins = normalise_with_origins(text)
        self.text = normal
        for fact_id, value in self.values.items():
            self.places[fact_id] = [tuple(dict.fromkeys(i for i in origins[start:end] if i >= 0))
                                    for start, end in occurrences(normal, value, self.wraps)]
        return [place for places in self.places.values() for place in places]


def _undrawn_facts(values: dict[str, str], places: _FactPlaces, undrawn: set[int]) -> str:
    """'facts drawn invisibly: …': the facts with a place in the text that is not visibly drawn."""
    if not undrawn:
        return ""
    listed = []
    for fact_id, spots in places.places.items():
        hidden = sum(1 for spot in spots if not undrawn.isdisjoint(spot))
        if hidden:
            where = f" in {hidden} of {len(spots)} places" if hidden < len(spots) else ""
            listed.append(f"{fact_id} ({values[fact_id]!r}){where}")
    return "facts drawn invisibly: " + "; ".join(listed) if listed else ""


def check_outputs(document: Document, outputs: dict[str, tuple[str, bytes]]) -> list[OutputCheck]:
    """Check several outputs, facts and metadata: {format: (display name, bytes)}."""
    return [check_output(document, fmt, name, data) for fmt, (name, data) in outputs.items()]
