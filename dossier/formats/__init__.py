"""The deliverables: one module per format, each with the same small interface.

Each module offers NAME, FILENAME (a pattern with {slug}), LABEL,
`render(profile, env, options) -> bytes`, `read_text(data) -> str` and
`read_metadata(data) -> dict` (the keys of context.metadata()); SLOW = True marks a
format worth a worker of its own when there are more workers than profiles.
Heavy libraries are imported inside render/read_text, never at import time.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError


class _FormatTable(Mapping):
    """name → writer module, imported on first use: planning a build must not load Jinja or lxml."""

    def __init__(self, modules: dict[str, str]):
        self._modules = modules

    def __getitem__(self, name: str):
        return importlib.import_module(self._modules[name], __name__)

    def __contains__(self, name) -> bool:  # Mapping's own would import the module
        return name in self._modules

    def __iter__(self):
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


FORMATS = _FormatTable({"pdf": ".pdf", "docx": ".docx", "md": ".markdown"})


@dataclass(frozen=True)
class RenderOptions:
    """Options every writer receives; writers ignore what does not concern them."""

    paper: str = "a4"
    strict: bool = False
    reference_docx: Path | None = None


def get_format(name: str):
    """The format module for `name`; an unknown name lists the known ones."""
    check_format_name(name)
    return FORMATS[name]


def check_format_name(name: str) -> None:
    """Raise a UsageError listing the known formats unless `name` is one (imports nothing)."""
    if name not in FORMATS:
        raise UsageError(f"unknown format {name!r} (known: {', '.join(FORMATS)})")


def parse_formats(text: str) -> list[str]:
    """'pdf,docx' → ['pdf', 'docx'], checking every name."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UsageError(f"no format given (known: {', '.join(FORMATS)})")
    for name in names:
        check_format_name(name)
    return list(dict.fromkeys(names))


def output_name(fmt: str, slug: str) -> str:
    return get_format(fmt).FILENAME.format(slug=slug)
