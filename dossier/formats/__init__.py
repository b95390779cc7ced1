"""The deliverables: one writer per format behind one table, each satisfying the Writer protocol.

FORMATS holds what planning needs without importing a writer (file name, media type, the
companions it writes beside it, theme files read, whether the format is slow); `writer(name)`
imports the module that renders and reads it back. Heavy libraries are imported inside a
writer's functions, never at import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..document import LOGO_FILE, REPORT_TEMPLATE, TIMELINE_PICTURE
from ..errors import UsageError
from ..options import FORMAT_NAMES, RenderOptions

if TYPE_CHECKING:
    from ..document import Document


@dataclass(frozen=True)
class Rendered:
    """A writer's work for one Document: the finished file, and the files written beside it (the Markdown's
    pictures and logo, the fact sheet's laid-out HTML with --keep-html), which are not verified."""

    data: bytes
    companions: Mapping[str, bytes] = field(default_factory=dict)


def _nowhere(text: str) -> Sequence[Sequence[int]]:
    return ()


@dataclass
class Reading:
    """What a reader noticed while reading a finished file back for verification, besides its text.

    The verifier passes one to `read_text` with `locate`: given the text read, it names the places
    (indices into that text) whose characters must be visibly drawn. The reader fills in the rest.
    """

    locate: Callable[[str], Sequence[Sequence[int]]] = _nowhere
    # What a reader sees wrong with the file whatever the facts: "2 pages; a fact sheet is one page".
    problems: list[str] = field(default_factory=list)
    # The text with what a reader does not see put back (hidden Word runs), to say why a fact is missing.
    hidden_text: str = ""
    # The indices of located characters that are in the text but not visibly drawn (a PDF's text layer).
    undrawn: set[int] = field(default_factory=set)


@runtime_checkable
class Writer(Protocol):
    """The contract every format module satisfies."""

    def prepare(self) -> None:
        """Import what rendering needs (a warm worker, a timed build); calling it again costs nothing."""

    def render(self, document: "Document", options: RenderOptions) -> Rendered:
        """The finished file's bytes and its companions (named as `Format.companions` declares): the same
        bytes for the same Document and options."""

    def read_text(self, data: bytes, reading: Reading | None = None) -> str:
        """The text a reader of the finished file sees, block by block on lines of their own.

        With `reading`, also note there what a reader sees wrong besides the text. Data that cannot
        be read as this format raises VerificationError('cannot be read as …: why').
        """

    def read_metadata(self, data: bytes) -> dict[str, str]:
        """The file's document metadata, in the keys of Document.metadata (VerificationError as read_text)."""


@dataclass(frozen=True)
class Format:
    """One deliverable, as planning knows it: what it is called and made from, declared, as Sphinx's
    builders declare theirs, so that no code elsewhere asks which format it has in hand."""

    name: str
    label: str
    filename: str  # a pattern with {slug}
    media_type: str  # the finished file's
    module: str  # the writer, relative to this package
    theme_files: tuple[str, ...]  # the theme files it reads: a change to one rebuilds this format
    # The files its writer may put beside the output (`Rendered.companions`), as patterns with {slug}
    # and, for a file whose extension comes from its source, {suffix}.
    companions: tuple[str, ...] = ()
    from_report: bool = False  # made from the Document's long-form report, pictures included
    slow: bool = False  # worth a worker of its own when there are more workers than profiles
    wraps_lines: bool = False  # lines break inside values: a line break may stand for a space

    def output_name(self, slug: str) -> str:
        return self.filename.format(slug=slug)

    def companion(self, name: str, slug: str) -> bool:
        """Whether `name` is one of the companions this format declares, for the profile `slug`."""
        import fnmatch

        return any(fnmatch.fnmatchcase(name, pattern.format(slug=slug, suffix=".*")) for pattern in self.companions)

    def writer(self) -> Writer:
        return importlib.import_module(self.module, __name__)


FORMATS: dict[str, Format] = {format.name: format for format in (
    Format("pdf", "PDF fact sheet", "{slug}-factsheet.pdf", "application/pdf", ".pdf",
           ("factsheet.html.j2", "factsheet.css", "timeline.html.j2"),
           companions=("{slug}-factsheet.html",), slow=True, wraps_lines=True),
    # The report's timeline picture is drawn with the fact sheet's band and stylesheet (pdf/pictures.py).
    Format("docx", "Word report", "{slug}-report.docx",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx",
           (REPORT_TEMPLATE, "reference.docx", "timeline.html.j2", "factsheet.css"), from_report=True),
    Format("md", "Markdown", "{slug}.md", "text/markdown", ".markdown",
           (REPORT_TEMPLATE, "timeline.html.j2", "factsheet.css"),
           companions=(TIMELINE_PICTURE, LOGO_FILE), from_report=True),
)}
assert tuple(FORMATS) == FORMAT_NAMES, "options.FORMAT_NAMES must list the formats of this table"


def get_format(name: str) -> Format:
    """The format called `name`; an unknown name is a UsageError listing the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown format {name!r} (known: {', '.join(FORMATS)})") from None


def writer(name: str) -> Writer:
    return get_format(name).writer()


def output_name(fmt: str, slug: str) -> str:
    return get_format(fmt).output_name(slug)
