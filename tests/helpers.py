"""Helpers shared by the tests (test files import nothing from each other)."""

from __future__ import annotations

import io
import re
import zipfile
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
BIGSCIENCE_HEADINGS = ["At a glance", "Key figures", "Timeline", "Origins", "Mission and strategy", "Models and products",
                       "Benchmarks and standing", "Leadership", "Funding and backers", "Industry position",
                       "Competitive landscape", "Outlook", "About the author"]


def render(fmt: str, profile, env=None, brand=None, **options) -> bytes:
    """One output's bytes, as a build would make them: a Document, then the format's writer."""
    document = Document(profile, env if env is not None else make_environment(), brand=brand)
    return FORMATS[fmt].writer().render(document, RenderOptions(**options)).data


def render_all(profile, env=None, **options) -> dict[str, bytes]:
    document = Document(profile, env if env is not None else make_environment())
    return {name: spec.writer().render(document, RenderOptions(**options)).data for name, spec in FORMATS.items()}


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


# A minimal valid profile (fictional), for content tests that change one thing in it.
MINIMAL = """\
slug: demo
name: Demo
description: A demo subject with [[size]].
lead: The lead.
language: en
as_of: "2025-01"
publisher:
  name: Example Press
facts:
  size:
    label: Size
    value: 12 units
  staff:
    label: Staff
    value: "40"
  city:
    label: City
    value: Oslo
at_a_glance: [city]
key_figures: [size, staff, city]
sections:
  - title: Story
    blocks:
      - It began in [[city]].
"""


def with_member(data: bytes, name: str, change) -> bytes:
    """The package with member `name` replaced by change(its bytes); None leaves the member out."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == name:
                content = change(content)
            if content is not None:
                target.writestr(item, content)
    return out.getvalue()


def hide_every_run(xml: bytes) -> bytes:
    xml = re.sub(rb"<w:r><w:rPr>", b"<w:r><w:rPr><w:vanish/>", xml)
    return re.sub(rb"<w:r>(?!<w:rPr>)", b"<w:r><w:rPr><w:vanish/></w:rPr>", xml)
