"""The Word report as real readers see it: LibreOffice lays it out, pandoc reads its structure back.

Slower than the other tests (one LibreOffice conversion per session, a few seconds);
each part is skipped where its program is not installed. CI installs both.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from dossier.formats import markdown
from helpers import BIGSCIENCE_HEADINGS

SOFFICE = shutil.which("soffice")
PANDOC = shutil.which("pandoc")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
needs_pandoc = pytest.mark.skipif(PANDOC is None, reason="pandoc is not installed")


@pytest.fixture(scope="module")
def laid_out(bigscience_outputs, tmp_path_factory) -> list[str]:
    """The BigScience report converted to PDF by LibreOffice: each page's text."""
    import pypdfium2

    folder = tmp_path_factory.mktemp("soffice")
    source = folder / "bigscience-report.docx"
    source.write_bytes(bigscience_outputs["docx"])
    # A profile of its own: a LibreOffice already running (or another test run) holds a lock on the default one.
    profile = (folder / "profile").as_uri()
    result = subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                             "--outdir", str(folder), str(source)], capture_output=True, text=True, timeout=300)
    converted = folder / "bigscience-report.pdf"
    assert result.returncode == 0 and converted.is_file(), result.stderr
    pdf = pypdfium2.PdfDocument(converted.read_bytes())
    try:
        return [page.get_textpage().get_text_range().replace("\r\n", "\n") for page in pdf]
    finally:
        pdf.close()


@needs_soffice
def test_the_first_page_shows_the_title_and_the_contents(laid_out):
    lines = [line.strip() for line in laid_out[0].split("\n")]
    assert lines[0] == "BigScience"  # the header
    contents = lines.index("Contents")
    assert lines[contents + 1:contents + 1 + len(BIGSCIENCE_HEADINGS)] == BIGSCIENCE_HEADINGS


@needs_soffice
def test_every_page_says_page_x_of_y(laid_out):
    total = len(laid_out)
    assert total >= 3
    for number, text in enumerate(laid_out, start=1):
        assert text.rstrip().endswith(f"Page {number} of {total}"), text[-80:]


@needs_soffice
def test_the_headings_are_laid_out_in_order(laid_out):
    lines = [line.strip() for text in laid_out for line in text.split("\n")]
    after_contents = lines[lines.index("Contents") + len(BIGSCIENCE_HEADINGS) + 1:]
    positions = [after_contents.index(heading) for heading in BIGSCIENCE_HEADINGS]
    assert positions == sorted(positions)


def pandoc_json(data: bytes, reader: str) -> dict:
    result = subprocess.run([PANDOC, "-f", reader, "-t", "json"], input=data, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def plain(node) -> str:
    """The text of a pandoc inline list: Str and spaces, through emphasis, links and the like."""
    if isinstance(node, list):
        return "".join(plain(item) for item in node)
    if isinstance(node, dict):
        if node.get("t") == "Str":
            return node["c"]
        if node.get("t") in ("Space", "SoftBreak", "LineBreak"):
            return " "
        return plain(node.get("c", []))
    return ""


def headings(document: dict) -> list[tuple[int, str, str]]:
    return [(block["c"][0], block["c"][1][0], plain(block["c"][2]))
            for block in document["blocks"] if block["t"] == "Header"]


@needs_pandoc
def test_pandoc_reads_back_the_heading_structure_of_our_markdown(bigscience_outputs):
    _front, body = markdown.split_front_matter(bigscience_outputs["md"].decode())
    ours = headings(pandoc_json(body.encode(), "gfm"))
    word = pandoc_json(bigscience_outputs["docx"], "docx")
    # The Markdown's one "#" heading is the Word Title, which pandoc reads as the document title;
    # "##" and "###" are Heading 1 and 2. Identifiers agree too: the bookmarks carry the anchors.
    assert ours[0][0] == 1 and plain(word["meta"]["title"]["c"]) == ours[0][2] == "BigScience"
    assert headings(word) == [(level - 1, anchor, text) for level, anchor, text in ours[1:]]
    assert [text for _level, _anchor, text in headings(word)] == BIGSCIENCE_HEADINGS


@needs_pandoc
def test_pandoc_follows_the_contents_links_to_the_headings(bigscience_outputs):
    word = pandoc_json(bigscience_outputs["docx"], "docx")
    anchors = {anchor for _level, anchor, _text in headings(word)}
    links = [inline["c"][2][0] for block in word["blocks"] if block["t"] == "Para"
             for inline in block["c"] if inline.get("t") == "Link"]
    internal = [target for target in links if target.startswith("#")]
    assert len(internal) == len(BIGSCIENCE_HEADINGS)
    assert {target[1:] for target in internal} == anchors
