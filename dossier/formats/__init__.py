"""The deliverables: one writer per format behind one table, each satisfying the Writer protocol.

FORMATS holds what planning needs without importing a writer (file name, theme files
read, whether the format is slow); `writer(name)` imports the module that renders and
reads it back. Heavy libraries are imported inside a writer's functions, never at import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..document import REPORT_TEMPLATE
from ..errors import UsageError
from ..options import FORMAT_NAMES

if TYPE_CHECKING:
    from ..document import Document


@dataclass(frozen=True)
class RenderOptions:
    """What writers receive besides the Document; each reads what concerns it."""

    paper: str = "a4"
    strict: bool = False
    # None: the theme's reference.docx; a path, or (file name, bytes) as it travels to a worker.
    reference_docx: Path | tuple[str, bytes] | None = None
    keep_html: bool = False  # the fact sheet's laid-out HTML is a companion file of the PDF


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

    def render(self, document: "Document", options: RenderOptions) -> bytes:
        """The finished file's bytes: the same bytes for the same Document and options."""

    def read_text(self, data: bytes, reading: Reading | None = None) -> str:
        """The text a reader of the finished file sees, block by block on lines of their own.

        With `reading`, also note there what a reader sees wrong besides the text. Data that cannot
        be read as this format raises VerificationError('cannot be read as …: why').
        """

    def read_metadata(self, data: bytes) -> dict[str, str]:
        """The file's document metadata, in the keys of Document.metadata (VerificationError as read_text)."""

    # A writer may also define `companions(document, options) -> {file name: bytes}`: files written beside
    # its output, after `render` (the Markdown's pictures, the fact sheet's HTML with --keep-html). They
    # are not verified. Not part of the protocol: most outputs are one file.


@dataclass(frozen=True)
class Format:
    """One deliverable, as planning knows it."""

    name: str
    label: str
    filename: str  # a pattern with {slug}
    module: str  # the writer, relative to this package
    theme_files: tuple[str, ...]  # the theme files it reads: a change to one rebuilds this format
    slow: bool = False  # worth a worker of its own when there are more workers than profiles
    wraps_lines: bool = False  # lines break inside values: a line break may stand for a space

    def output_name(self, slug: str) -> str:
        return self.filename.format(slug=slug)

    def writer(self) -> Writer:
        return importlib.import_module(self.module, __name__)


FORMATS: dict[str, Format] = {format.name: format for format in (
    Format("pdf", "PDF fact sheet", "{slug}-factsheet.pdf", ".pdf",
           ("factsheet.html.j2", "factsheet.css", "timeline.html.j2"),
           slow=True, wraps_lines=True),
    # The report's timeline picture is drawn with the fact sheet's band and stylesheet (pictures.py).
    Format("docx", "Word report", "{slug}-report.docx", ".docx",
           (REPORT_TEMPLATE, "reference.docx", "timeline.html.j2", "factsheet.css")),
    Format("md", "Markdown", "{slug}.md", ".markdown", (REPORT_TEMPLATE, "timeline.html.j2", "factsheet.css")),
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
