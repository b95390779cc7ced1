"""Pictures in the Word report: the timeline band as an inline picture with its alternative text, centred and
no wider than the text; an image that is not one of the Document's own pictures is an error, never a file
read. And what an accessibility checker asks of the whole report: alt text on every picture, marked table
header rows, heading levels that never skip one."""

from __future__ import annotations

import io
import itertools
import re
import zipfile

import docx
import lxml.html
import pytest
from PIL import Image

from dossier.document import Document
from dossier.errors import RenderError
from dossier.formats import RenderOptions
from dossier.formats import docx as writer
from dossier.formats.docx.body import write_body
from dossier.formats.docx.reference import ensure_styles, open_reference
from dossier.formats.pdf.pictures import report_pictures
from dossier.markup import to_html
from dossier.templating import default_theme_folder
from dossier.verify import check_output

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
EMU_PER_MM = 36_000
TEXT_WIDTH = 9070 * 635  # the default reference's text width (16 cm), in EMU


def text_of(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def png(width: int, height: int, dpi: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (11, 110, 110)).save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def blank_report():
    word = open_reference(("reference.docx", (default_theme_folder() / "reference.docx").read_bytes()))
    ensure_styles(word)
    return word


def write(html: str, pictures: dict[str, bytes]):
    word = blank_report()
    write_body(word, lxml.html.fragment_fromstring(html, create_parent="div"), "Contents", lambda: pictures,
               "content/case.yaml")
    return word


def drawings(word):
    return list(word.element.body.iter(f"{WP}inline"))


# --- the body writer, on the HTML the Markdown dialect makes ------------------------------


def test_a_paragraph_holding_only_a_picture_is_a_centred_figure_with_alt_text():
    word = write('<h2>Timeline</h2><p><img alt="Timeline. 2021: launched" src="x-timeline.png"></p>'
                 "<table><tr><th>Date</th><th>Milestone</th></tr><tr><td>2021</td><td>launched</td></tr></table>",
                 {"x-timeline.png": png(400, 100)})
    [inline] = drawings(word)
    properties = inline.find(f"{WP}docPr")
    assert properties.get("descr") == "Timeline. 2021: launched"
    assert properties.get("title") in (None, "", "Timeline. 2021: launched")
    paragraph = next(inline.iterancestors(f"{W}p"))
    assert paragraph.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Figure"
    assert [child.tag for child in paragraph.find(f"{W}pPr")] == [f"{W}pStyle"]  # the style centres it
    figure = word.styles["Figure"]
    assert figure.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert figure.paragraph_format.keep_with_next  # with the table beneath it
    # Its native size, from its resolution: 400 × 100 pixels at 200 DPI is 50.8 × 12.7 mm.
    extent = inline.find(f"{WP}extent")
    assert (int(extent.get("cx")), int(extent.get("cy"))) == (1828800, 457200)
    assert {inline.get(side) for side in ("distT", "distB", "distL", "distR")} == {"0"}
    # The picture is the paragraph's only content; the table follows.
    assert paragraph.getnext().tag == f"{W}tbl"


def test_a_picture_wider_than_the_text_is_scaled_to_the_text_width():
    word = write('<p><img alt="wide" src="wide.png"></p>', {"wide.png": png(2400, 200)})  # 305 mm at 200 DPI
    extent = drawings(word)[0].find(f"{WP}extent")
    assert int(extent.get("cx")) == TEXT_WIDTH
    assert int(extent.get("cy")) == pytest.approx(TEXT_WIDTH / 12, abs=1)


def test_the_picture_is_embedded_not_linked():
    data = writer_bytes(write('<p><img alt="a" src="a.png"></p>', {"a.png": png(40, 20)}))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        media = [name for name in package.namelist() if name.startswith("word/media/")]
        assert [package.read(name) for name in media] == [png(40, 20)]
        rels = package.read("word/_rels/document.xml.rels").decode()
    assert 'TargetMode="External"' not in rels
    blip = drawings(docx.Document(io.BytesIO(data)))[0].find(f".//{A}blip")
    assert blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}link") is None


@pytest.mark.parametrize("src", ["other.png", "file:///etc/passwd", "https://example.com/tracker.png",
                                 "../secret.png", ""])
def test_an_image_that_is_not_one_of_the_documents_pictures_is_an_error(src):
    with pytest.raises(RenderError, match=r"^content/case\.yaml: the report shows a picture .* not one of its own"):
        write(f'<p>Text <img alt="x" src="{src}"> more</p>', {"a.png": png(40, 20)})


def test_pictures_are_drawn_only_when_the_report_shows_one():
    def never():
        raise AssertionError("the pictures were asked for")

    word = blank_report()
    write_body(word, lxml.html.fragment_fromstring("<p>No picture here.</p>", create_parent="div"), "Contents",
               never, "case.yaml")


def test_a_picture_contributes_no_text_and_the_text_stays_in_order():
    word = write('<h2>Timeline</h2><p><img alt="Timeline. 2021: launched" src="t.png"></p>'
                 "<table><tr><th>Date</th><th>Milestone</th></tr><tr><td>2021</td><td>launched</td></tr></table>"
                 "<p>After.</p>", {"t.png": png(40, 20)})
    lines = [line for line in writer.read_text(writer_bytes(word)).split("\n") if line.strip()]
    # The contents (their one entry) come before the first heading.
    assert lines == ["Contents", "Timeline", "Timeline", "Date", "Milestone", "2021", "launched", "After."]


def writer_bytes(word) -> bytes:
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# --- the BigScience report, end to end ----------------------------------------------------


@pytest.fixture(scope="module")
def bigscience_document(bigscience, env):
    document = Document(bigscience, env)
    assert '<img alt="Timeline. May 2021' in to_html(document.report_body, pictures=frozenset(document.picture_names))
    return document


@pytest.fixture(scope="module")
def bigscience_report(bigscience_document) -> bytes:
    return writer.render(bigscience_document, RenderOptions()).data


def test_the_timeline_is_a_picture_under_its_heading_above_its_table(bigscience_document, bigscience_report):
    word = docx.Document(io.BytesIO(bigscience_report))
    body = list(word.element.body.iterchildren())
    heading = next(e for e in body if e.tag == f"{W}p" and text_of(e) == "Timeline"
                   and e.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Heading1")
    figure, table = heading.getnext(), heading.getnext().getnext()
    assert figure.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Figure"
    [inline] = figure.iter(f"{WP}inline")
    assert inline.find(f"{WP}docPr").get("descr") == bigscience_document.timeline_alt
    assert int(inline.find(f"{WP}extent").get("cx")) <= TEXT_WIDTH
    rows = [[text_of(cell) for cell in row.iter(f"{W}tc")] for row in table.iter(f"{W}tr")]
    assert rows[1:] == [[m["when"], m["label"]] for m in bigscience_document.timeline]
    # The embedded picture is the Document's own PNG, as it was drawn.
    with zipfile.ZipFile(io.BytesIO(bigscience_report)) as package:
        media = [package.read(n) for n in package.namelist() if n.startswith("word/media/")]
    assert media == [report_pictures(bigscience_document)[bigscience_document.timeline_picture_name]]


def test_the_report_with_its_timeline_picture_passes_verification(bigscience_document, bigscience_report):
    check = check_output(bigscience_document, "docx", "bigscience-report.docx", bigscience_report)
    assert check.ok, check.describe()
    lines = [line for line in writer.read_text(bigscience_report).split("\n") if line.strip()]
    start = [n for n, line in enumerate(lines) if line == "Timeline"][-1]  # the heading, not the contents entry
    first = bigscience_document.timeline[0]
    assert lines[start + 1:start + 5] == ["Date", "Milestone", first["when"], first["label"]]


def test_two_renders_are_byte_identical(bigscience_document, bigscience_report, bigscience, env):
    assert writer.render(Document(bigscience, env), RenderOptions()).data == bigscience_report


# --- accessibility: alt text, header rows, heading levels --------------------------------


def test_every_picture_has_alt_text(bigscience_report):
    with zipfile.ZipFile(io.BytesIO(bigscience_report)) as package:
        parts = [package.read(n) for n in package.namelist() if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)]
    described = [m.group(1) for part in parts for m in re.finditer(rb"<wp:docPr [^>]*?descr=\"([^\"]*)\"", part)]
    total = sum(part.count(b"<wp:docPr ") for part in parts)
    assert total >= 1 and len(described) == total and all(text.strip() for text in described)


def test_every_table_marks_its_header_row(bigscience_outputs):
    word = docx.Document(io.BytesIO(bigscience_outputs["docx"]))
    assert len(word.tables) >= 3
    for table in word.tables:
        rows = table._tbl.tr_lst
        assert rows[0].trPr.find(f"{W}tblHeader") is not None
        assert all(row.trPr.find(f"{W}tblHeader") is None for row in rows[1:])


def test_heading_levels_never_skip_one(bigscience_outputs):
    word = docx.Document(io.BytesIO(bigscience_outputs["docx"]))
    levels = {"Title": 0, **{f"Heading{n}": n for n in range(1, 10)}}
    found = []
    for paragraph in word.element.body.iter(f"{W}p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(f"{W}val") in levels:
            found.append(levels[style.get(f"{W}val")])
    assert found[0] == 0 and found.count(0) == 1  # one title, first
    assert len(found) > 10
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(found)), found
