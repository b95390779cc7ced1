"""Helpers shared by the tests (test files import nothing from each other)."""

from __future__ import annotations

import io
import os
import queue
import re
import threading
import time
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


# --- a process's output, followed as it runs (`dossier watch`) ---------------------------------------------

DEADLINE_S = 60  # generous for a loaded machine; each wait normally ends in well under a second


class Lines:
    """Lines written by another thread or process, waited for with a deadline."""

    def __init__(self):
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._partial = ""

    def write(self, text: str) -> None:  # as `out` of watch(): a file-like object
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self.queue.put(line)

    def flush(self) -> None:
        pass

    def follow(self, stream) -> None:
        """Copy a subprocess's output, line by line, from a thread of its own."""

        def copy():
            for line in stream:
                self.queue.put(line.rstrip("\n"))

        threading.Thread(target=copy, daemon=True).start()

    def next(self, deadline: float | None = None) -> str:
        try:
            line = self.queue.get(timeout=max(0.0, (deadline or time.monotonic() + DEADLINE_S) - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no further line within {DEADLINE_S} s; seen: {self.seen}") from None
        self.seen.append(line)
        return line

    def until(self, prefix: str) -> list[str]:
        """The lines up to and including the first that starts with `prefix`."""
        deadline = time.monotonic() + DEADLINE_S
        got = [self.next(deadline)]
        while not got[-1].startswith(prefix):
            got.append(self.next(deadline))
        return got


def edit(path: Path, old: str, new: str, *, by_rename: bool = False) -> None:
    """Change a file as an editor saves it: in place, or by writing a new file renamed over the old one."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    if by_rename:
        temporary = path.with_name(f".{path.name}.saving")
        temporary.write_text(text.replace(old, new), encoding="utf-8")
        os.replace(temporary, path)
    else:
        path.write_text(text.replace(old, new), encoding="utf-8")
