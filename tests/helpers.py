"""Helpers shared by the tests (test files import nothing from each other)."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from dossier.document import Document
from dossier.formats import FORMATS, RenderOptions
from dossier.templating import make_environment

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIGSCIENCE = ROOT / "content" / "bigscience.yaml"
AURORA = FIXTURES / "aurora" / "aurora.yaml"
# The report's section headings for BigScience, in order (the Word and Markdown readers check them).
BIGSCIENCE_HEADINGS = ["At a glance", "Key figures", "Origins", "Mission and strategy", "Models and products",
                       "Benchmarks and standing", "Leadership", "Funding and backers", "Industry position",
                       "Competitive landscape", "Outlook", "About the author"]


def render(fmt: str, profile, env=None, **options) -> bytes:
    """One output's bytes, as a build would make them: a Document, then the format's writer."""
    document = Document(profile, env if env is not None else make_environment())
    return FORMATS[fmt].writer().render(document, RenderOptions(**options))


def render_all(profile, env=None, **options) -> dict[str, bytes]:
    document = Document(profile, env if env is not None else make_environment())
    return {name: spec.writer().render(document, RenderOptions(**options)) for name, spec in FORMATS.items()}


def pdf_source(data: bytes) -> bytes:
    """The PDF's bytes with every compressed stream inflated, to search its objects."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            parts.append(zlib.decompressobj().decompress(data[match.end():]))
        except zlib.error:
            pass  # not a Flate stream
    return b"\n".join(parts)


def make_profiles(folder, count: int):
    """`count` copies of the Aurora fixture with their own slugs and names."""
    folder.mkdir(exist_ok=True)
    text = AURORA.read_text(encoding="utf-8")
    for i in range(count):
        (folder / f"p{i}.yaml").write_text(
            text.replace("slug: aurora", f"slug: p{i}").replace("name: Aurora Lab", f"name: Aurora Lab {i}"),
            encoding="utf-8")
    return folder
