"""The editing round trip: review a Word report an editor sent back against its content, and write a redline.

`review(path)` finds the profile the report was made from, regenerates the report dossier would send
now (in memory, the build's own code path), and compares the two block by block (reading.py reads a
report, origins.py finds the content behind each block, compare.py aligns and diffs, render.py writes
text, JSON or Markdown). `redline(old, new)` writes the new edition's report with what changed since
the old one as Word tracked changes (tracking.py).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import files
from ..errors import ContentError, TemplateError, UsageError, VerificationError
from .reading import MAX_COMMENTS, MAX_PARAGRAPHS

# The exit code of `dossier review` when it found changes. 0-8 and 130 are taken (errors.py); a review
# that finds changes has not failed, so it does not take the next error category's number.
EXIT_CHANGES = 10
MAX_REPORT_BYTES = 100 * 1024 * 1024  # a .docx on disk larger than this is refused unread

# `dossier review`'s exit codes (its --help and the docs are made from this table).
REVIEW_EXIT_CODES = {
    0: "no changes: the report says what its content says (comments, if any, are listed)",
    EXIT_CHANGES: "changes found: each printed with the content file's line and key path to edit",
    UsageError.exit_code: f"usage error: no such file, or a file over {MAX_REPORT_BYTES // 2 ** 20} MB; the content "
                          "file cannot be found (give --content) or is another profile's",
    ContentError.exit_code: "content error: the content file is invalid",
    TemplateError.exit_code: "template error: the theme or reference document cannot be used",
    VerificationError.exit_code: f"the file cannot be reviewed: not a Word document, damaged, too big unpacked (a zip "
                                 f"bomb, over {MAX_PARAGRAPHS:,} paragraphs or {MAX_COMMENTS:,} comments), linking "
                                 "outside itself, or not made by dossier",
    1: "unexpected internal error (a bug: the traceback is printed)",
    130: "interrupted (Ctrl-C, SIGTERM)",
}


@dataclass
class Review:
    report: str  # the edited file, as named
    content: str  # the content file compared with
    slug: str
    items: list = field(default_factory=list)  # compare.Item
    marks: dict = field(default_factory=dict)  # key path → yamlfile.Mark

    @property
    def changes(self) -> int:
        return sum(1 for item in self.items if item.counts)

    @property
    def exit_code(self) -> int:
        return EXIT_CHANGES if self.changes else 0


def read_docx_file(path: Path) -> bytes:
    """A .docx's bytes, through the door; a missing file, a folder, a pipe or a file over MAX_REPORT_BYTES
    is a UsageError."""
    try:
        return files.read(path, limit=MAX_REPORT_BYTES)
    except files.Refused as refused:
        if refused.reason == files.MISSING:
            raise UsageError(f"{path}: {refused.strerror}") from None
        if refused.reason in (files.TOO_BIG, files.GREW):
            size = f"{refused.size:,} bytes" if refused.size else f"more than {MAX_REPORT_BYTES:,} bytes"
            raise UsageError(f"{path}: is {size}; a report this tool reviews has at most {MAX_REPORT_BYTES:,}") \
                from None
        raise UsageError(f"{path}: {refused.describe('a Word document (.docx)')}") from None


def make_document(source: Path, settings, *, data: bytes | None = None, label: str | None = None, warn=None):
    """The Document for a content file, made as a build makes it (pipeline.py: the theme, brand and
    strictness a build would use); and the RenderOptions a build would give the Word writer."""
    from .. import pipeline

    warn = warn or logging.getLogger("dossier").warning
    config = pipeline.BuildConfig.from_settings(settings, warn)
    profile = pipeline.load(source, config, data=data, warn=warn, label=label)
    return pipeline.make_document(profile, config), config.options


def review(path: str | os.PathLike, settings, *, content: str | os.PathLike | None = None, warn=None) -> Review:
    """Compare the edited report at `path` with the report dossier would make now from its content."""
    from .. import pipeline
    from ..content import key_path_marks
    from .compare import compare
    from .locate import find_content, report_slug
    from .reading import read_report

    path = Path(path)
    edited = read_report(read_docx_file(path), str(path))
    slug = report_slug(edited.properties, str(path), content is not None)
    if content is not None:
        source = Path(content)
        if not source.is_file():
            raise UsageError(f"--content {source}: no such file")
    else:
        source = find_content(path, slug, settings)
    document, options = make_document(source, settings, warn=warn)
    if slug is not None and slug != document.slug:
        raise UsageError(f"{path} is the report of {slug!r} (its document properties say so), but {source} is the "
                         f"profile {document.slug!r}; name the right content file with --content")
    regenerated = read_report(pipeline.render(document, "docx", options).data, "the regenerated report")
    items = compare(regenerated, edited, document)
    return Review(str(path), str(source), document.slug, items, key_path_marks(source))


def redline(old: Path, new: Path, settings, *, old_data: bytes | None = None, old_label: str | None = None,
            warn=None) -> tuple[bytes, list]:
    """The new edition's Word report with what changed since the old one as tracked changes: (bytes, checks)."""
    from .tracking import make_redline

    old_document, _ = make_document(old, settings, data=old_data, label=old_label, warn=warn)
    new_document, options = make_document(new, settings, warn=warn)
    return make_redline(old_document, new_document, options)


__all__ = ["EXIT_CHANGES", "REVIEW_EXIT_CODES", "Review", "redline", "review"]
