"""The Word report as real readers see it: LibreOffice lays it out, pandoc reads its structure back, and
our own reader leaves out what Word would not show (hidden runs, white on white, unreadably small text)
and refuses, with a reason, a file that is no Word document.

The LibreOffice part is slower than the other tests (one conversion per session, a few seconds);
each part is skipped where its program is not installed. CI installs both.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import zipfile

import pytest

from dossier.document import Document
from dossier.errors import VerificationError
from dossier.formats import Reading, markdown
from dossier.formats.docx import reader
from dossier.verify import check_output
from helpers import BIGSCIENCE_HEADINGS, hide_every_run, with_member

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


# --- our reader: what a reader of the file does not see ----------------------------------------------


def run_properties(text: str, properties: bytes):
    """A change giving the run that holds exactly `text` these run properties."""
    def change(xml: bytes) -> bytes:
        run = f"<w:r><w:t>{text}</w:t></w:r>".encode()
        assert xml.count(run) == 1, text
        return xml.replace(run, f"<w:r><w:rPr>{properties.decode()}</w:rPr><w:t>{text}</w:t></w:r>".encode())
    return change


def read_back(data: bytes) -> tuple[str, Reading]:
    reading = Reading()
    return reader.read_text(data, reading), reading


def test_a_fresh_report_hides_nothing(bigscience_outputs, aurora_outputs):
    for data in (bigscience_outputs["docx"], aurora_outputs["docx"]):
        text, reading = read_back(data)
        assert text == reader.read_text(data)
        assert (reading.problems, reading.hidden_text) == ([], "")


def test_a_report_with_every_run_hidden_carries_no_fact(aurora, aurora_outputs):
    data = with_member(aurora_outputs["docx"], "word/document.xml", hide_every_run)
    text, reading = read_back(data)
    assert [line for line in text.splitlines() if line] == ["Page 1 of 1", "Aurora Lab"]  # footer and header
    assert "€3.5 million" in reading.hidden_text
    check = check_output(Document(aurora), "docx", "x.docx", data)
    assert check.describe() == (
        "x.docx: missing 10 of 10 facts, each only in hidden text: founded ('March 2019'); status ('Active "
        "research consortium'); director ('Zoë Ångström'); researchers ('about 240'); partners ('12'); "
        "stations ('9'); array ('Borealis-9'); flagship ('The Borealis-9 all-sky camera network'); budget "
        "('€3.5 million'); open_data ('40 terabytes'); hidden text in 84 runs: 'Aurora Lab' (marked hidden), "
        "'Aurora Lab is an' (marked hidden), 'imaginary' (marked hidden) and 81 more")


@pytest.mark.parametrize("properties, why", [
    (b"<w:vanish/>", "marked hidden"),
    (b'<w:vanish w:val="true"/>', "marked hidden"),
    (b'<w:color w:val="FFFFFF"/>', "colour FFFFFF on FFFFFF"),
    (b'<w:color w:val="fdfdfd"/>', "colour FDFDFD on FFFFFF"),
    (b'<w:color w:val="FFFF00"/><w:highlight w:val="yellow"/>', "colour FFFF00 on FFFF00"),
    (b'<w:color w:val="1F2937"/><w:shd w:val="clear" w:color="auto" w:fill="1F2937"/>', "colour 1F2937 on 1F2937"),
    (b'<w:sz w:val="1"/>', "0.5 pt"),
    (b'<w:sz w:val="0"/><w:szCs w:val="0"/>', "0 pt"),
])
def test_a_fact_a_reader_does_not_see_is_missing(aurora, aurora_outputs, properties, why):
    data = with_member(aurora_outputs["docx"], "word/document.xml", run_properties("€3.5 million", properties))
    check = check_output(Document(aurora), "docx", "x.docx", data)
    assert check.describe() == (f"x.docx: missing 1 of 10 facts: budget ('€3.5 million') [only in hidden text]; "
                                f"hidden text in 1 run: '€3.5 million' ({why})")


@pytest.mark.parametrize("properties", [
    b'<w:vanish w:val="0"/>', b'<w:vanish w:val="false"/>', b'<w:color w:val="auto"/>', b'<w:color w:val="808080"/>',
    b'<w:color w:val="FFFFFF"/><w:shd w:val="clear" w:color="auto" w:fill="1F2937"/>',
    b'<w:color w:val="FFFFFF"/><w:highlight w:val="darkBlue"/>', b'<w:sz w:val="4"/>',
])
def test_what_a_reader_does_see_is_read(aurora, aurora_outputs, properties):
    data = with_member(aurora_outputs["docx"], "word/document.xml", run_properties("€3.5 million", properties))
    assert check_output(Document(aurora), "docx", "x.docx", data).ok


CELL = '</w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr><w:r><w:t>€3.5 million</w:t>'.encode()


def shaded_cell(fill: str, colour: str):
    """A change that shades the table cell holding '€3.5 million' and colours its text."""
    def change(xml: bytes) -> bytes:
        assert xml.count(CELL) == 1
        return xml.replace(CELL, CELL.replace(b"</w:tcPr>", f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
                                                             "</w:tcPr>".encode())
                                     .replace(b"<w:r><w:t>", f'<w:r><w:rPr><w:color w:val="{colour}"/></w:rPr>'
                                                             "<w:t>".encode()))
    return change


def test_white_text_in_a_dark_table_cell_is_seen_and_dark_text_there_is_not(aurora, aurora_outputs):
    white = with_member(aurora_outputs["docx"], "word/document.xml", shaded_cell("1F2937", "FFFFFF"))
    assert check_output(Document(aurora), "docx", "x.docx", white).ok
    dark = with_member(aurora_outputs["docx"], "word/document.xml", shaded_cell("1F2937", "1F2937"))
    assert check_output(Document(aurora), "docx", "x.docx", dark).problems == (
        "hidden text in 1 run: '€3.5 million' (colour 1F2937 on 1F2937)",)


def test_a_table_style_shades_its_header_row_only(aurora, aurora_outputs):
    # The reference's table style fills the first row (F2F4F7-ish); text in that colour is hidden there
    # and seen in the other rows, on the page's white.
    def header_fill(xml: bytes) -> str:
        found = re.search(rb'w:styleId="ReportTable".*?w:type="firstRow".*?w:fill="([0-9A-Fa-f]{6})"', xml, re.DOTALL)
        return found.group(1).decode().upper()
    fill = header_fill(zipfile.ZipFile(io.BytesIO(aurora_outputs["docx"])).read("word/styles.xml"))
    assert fill != "FFFFFF"

    def colour_every_run(xml: bytes) -> bytes:
        return re.sub(rb"<w:r>(?!<w:rPr>)", f'<w:r><w:rPr><w:color w:val="{fill}"/></w:rPr>'.encode(), xml)
    check = check_output(Document(aurora), "docx", "x.docx",
                         with_member(aurora_outputs["docx"], "word/document.xml", colour_every_run))
    assert check.missing == ()  # the values are in the body rows
    assert check.problems == ((f"hidden text in 4 runs: 'Item' (colour {fill} on {fill}), 'Detail' (colour {fill} "
                              f"on {fill}), 'Figure' (colour {fill} on {fill}) and 1 more"),)


def test_hidden_through_a_style(aurora, aurora_outputs):
    # A character style that hides, on one run; then the table's paragraph style hiding every cell.
    secret = (b'<w:style w:type="character" w:styleId="Secret"><w:name w:val="Secret"/>'
              b'<w:rPr><w:vanish/></w:rPr></w:style></w:styles>')
    data = with_member(aurora_outputs["docx"], "word/styles.xml", lambda xml: xml.replace(b"</w:styles>", secret))
    data = with_member(data, "word/document.xml", run_properties("€3.5 million", b'<w:rStyle w:val="Secret"/>'))
    assert [fact for fact, _value in check_output(Document(aurora), "docx", "x.docx", data).missing] == ["budget"]

    def hide_table_text(xml: bytes) -> bytes:
        style = b'w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/>'
        assert style in xml
        return xml.replace(style, style + b"<w:rPr><w:vanish/></w:rPr>", 1)
    data = with_member(aurora_outputs["docx"], "word/styles.xml", hide_table_text)
    check = check_output(Document(aurora), "docx", "x.docx", data)
    assert check.problems[0].startswith("hidden text in ") and "(marked hidden)" in check.problems[0]


def damaged_member(data: bytes) -> bytes:
    """The package with word/document.xml's compressed bytes scrambled (its header left intact)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    scrambled = bytearray(data)
    scrambled[start:start + info.compress_size] = random.Random(3).randbytes(info.compress_size)
    return bytes(scrambled)


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


BOMB = 60 * 1024 * 1024  # zeros: 60 kB packed
UNFINISHED = b'<?xml version="1.0"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'


@pytest.mark.parametrize("damage, reason", [
    ("empty", "it is not a zip archive"),
    ("random bytes", "it is not a zip archive"),
    ("truncated", "it is not a zip archive"),
    ("a zip of something else", "it has no word/document.xml"),
    ("no document part", "it has no word/document.xml"),
    ("invalid XML", ("word/document.xml is not well-formed XML (Premature end of data in tag p line 2, line 2, "
                    "column 97)")),
    ("zip bomb", f"word/document.xml would unpack to {BOMB:,} bytes, more than the 50 MB allowed"),
    ("damaged part", ("word/document.xml is damaged (Error -3 while decompressing data: too many length or "
                     "distance symbols)")),
])
def test_a_file_that_is_no_word_document_is_a_verification_error(aurora, aurora_outputs, damage, reason):
    good = aurora_outputs["docx"]
    data = {
        "empty": lambda: b"",
        "random bytes": lambda: random.Random(7).randbytes(4000),
        "truncated": lambda: good[:len(good) // 2],
        "a zip of something else": lambda: zipped({"readme.txt": b"hello"}),
        "no document part": lambda: with_member(good, "word/document.xml", lambda xml: None),
        "invalid XML": lambda: with_member(good, "word/document.xml", lambda xml: UNFINISHED),
        "zip bomb": lambda: with_member(good, "word/document.xml", lambda xml: bytes(BOMB)),
        "damaged part": lambda: damaged_member(good),
    }[damage]()
    message = f"cannot be read as a Word document: {reason}"
    with pytest.raises(VerificationError) as caught:
        reader.read_text(data)
    assert caught.value.message == message and caught.value.exit_code == 6
    check = check_output(Document(aurora), "docx", "x.docx", data)
    assert check.describe() == f"x.docx: {message}"


def test_metadata_of_a_damaged_package_is_a_verification_error(aurora_outputs):
    data = with_member(aurora_outputs["docx"], "docProps/core.xml", lambda xml: xml[:-30])
    with pytest.raises(VerificationError) as caught:
        reader.read_metadata(data)
    assert caught.value.message.startswith("cannot be read as a Word document: docProps/core.xml is not well-formed XML (")


def test_a_billion_laughs_is_refused_not_expanded(aurora_outputs):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "lol">'
              + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(9))
              + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
              b"<w:p><w:r><w:t>&j;</w:t></w:r></w:p></w:body></w:document>")
    data = with_member(aurora_outputs["docx"], "word/document.xml", lambda xml: laughs)
    try:
        text = reader.read_text(data)
    except VerificationError as exc:  # libxml2 refuses the amplification itself
        assert exc.message.startswith("cannot be read as a Word document: word/document.xml is not well-formed XML (")
    else:
        assert "lol" not in text


def test_parts_that_are_too_big_together_are_refused(aurora_outputs):
    # Three headers of 36 MB each (whitespace, packed to a few kB): each under the 50 MB a part may
    # unpack to, the three over the 100 MB a report's parts may unpack to together.
    big = (b'<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           + (b"<w:p/>" + b" " * 9_000_000) * 4 + b"</w:hdr>")
    data = aurora_outputs["docx"]
    for number in (5, 6, 7):
        source = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                target.writestr(item, source.read(item))
            target.writestr(f"word/header{number}.xml", big)
        data = out.getvalue()
    with pytest.raises(VerificationError) as caught:
        reader.read_text(data)
    assert caught.value.message == ("cannot be read as a Word document: its parts would unpack to more than the "
                                    "100 MB allowed together (at word/header7.xml)")
