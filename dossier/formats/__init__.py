"""The deliverables: one module per format, each with the same small interface.

Each module offers NAME, FILENAME (a pattern with {slug}), LABEL,
`render(profile, env, options) -> bytes` and `read_text(data) -> str`.
Heavy libraries are imported inside render/read_text, never at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from . import docx, markdown, pdf

FORMATS = {"pdf": pdf, "docx": docx, "md": markdown}


@dataclass(frozen=True)
class RenderOptions:
    """Options every writer receives; writers ignore what does not concern them."""

    paper: str = "a4"
    strict: bool = False
    reference_docx: Path | None = None


def get_format(name: str):
    """The format module for `name`; an unknown name lists the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown format {name!r} (known: {', '.join(FORMATS)})") from None


def parse_formats(text: str) -> list[str]:
    """'pdf,docx' → ['pdf', 'docx'], checking every name."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UsageError(f"no format given (known: {', '.join(FORMATS)})")
    for name in names:
        get_format(name)
    return list(dict.fromkeys(names))


def output_name(fmt: str, slug: str) -> str:
    return get_format(fmt).FILENAME.format(slug=slug)
