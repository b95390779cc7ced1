"""The Word report: named styles, a table of contents, header and footer, a reference document, metadata."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import io
import zipfile

import docx
import pytest
from docx.shared import RGBColor

from dossier.document import Document
from dossier.errors import TemplateError
from dossier.formats import docx as writer
from dossier.formats.docx.reference import STYLES_USED, TABLE_STYLE
from dossier.templating import default_theme_folder, make_environment
from helpers import BIGSCIENCE_HEADINGS, ROOT, render

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@pytest.fixture(scope="module")
def report(bigscience_outputs):
    return docx.Document(io.BytesIO(bigscience_outputs["docx"]))


@pytest.fixture(scope="module")
def aurora_report(aurora_outputs):
    return docx.Document(io.BytesIO(aurora_outputs["docx"]))


def text_of(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def styled(document) -> list[tuple[str, str]]:
    """(style id, text) of every body paragraph outside tables, in order; text includes hyperlinks."""
    paragraphs = []
    for p in document.element.body.iterchildren(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        paragraphs.append((style.get(f"{W}val") if style is not None else "", text_of(p)))
    return paragraphs


def render_with(profile, *, templates=None, reference=None) -> docx.document.Document:
    data = render("docx", profile, make_environment(templates), reference_docx=reference)
    return docx.Document(io.BytesIO(data))


# --- styles -----------------------------------------------------------------------------


def test_blocks_use_named_styles(report):
    paragraphs = styled(report)
    assert paragraphs[0] == ("Title", "BigScience")
    assert paragraphs[1][0] == "Subtitle"
    assert paragraphs[2][0] == "BodyText" and paragraphs[2][1].startswith("BigScience was a one-year")
    assert [text for style, text in paragraphs if style == "Heading1"] == BIGSCIENCE_HEADINGS
    bullets = [text for style, text in paragraphs if style == "ListBullet"]
    assert bullets[0].startswith("BLOOM. Released November 17, 2022.")
    assert any(text.startswith("Stéphane Requena, GENCI representative.") for text in bullets)
    assert {style for style, _ in paragraphs} == {"Title", "Subtitle", "Heading1", "BodyText", "ListBullet",
                                                  "TOCHeading", "TOC1", "Figure"}  # the timeline picture


def test_no_direct_formatting_beyond_bold_italic_and_links(report):
    body = report.element.body
    for p in body.iter(f"{W}p"):
        assert p.find(f"{W}pPr/{W}pStyle") is not None, text_of(p)
        assert {child.tag for child in p.find(f"{W}pPr")} <= {f"{W}pStyle", f"{W}numPr"}
    for rpr in body.iter(f"{W}rPr"):
        assert {child.tag for child in rpr} <= {f"{W}rStyle", f"{W}b", f"{W}bCs", f"{W}i", f"{W}iCs"}


def test_the_default_reference_defines_what_the_writer_uses(report):
    names = {style.name for style in report.styles}
    assert set(STYLES_USED) <= names
    heading = report.styles["Heading 1"].element
    assert heading.find(f"{W}rPr/{W}rFonts").get(f"{W}ascii") == "Noto Sans"
    defaults = report.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults.find(f"{W}rFonts").get(f"{W}ascii") == "Noto Serif"
    assert report.styles["TOC Heading"].element.find(f"{W}pPr/{W}outlineLvl").get(f"{W}val") == "9"
    section = report.sections[0]
    assert (section.page_width.mm, section.page_height.mm) == pytest.approx((210, 297), abs=0.1)
    assert section.left_margin.cm == pytest.approx(2.5, abs=0.01)


def test_the_language_is_set_once_in_the_document_defaults(aurora):
    french = render_with(dataclasses.replace(aurora, language="fr"))
    lang = french.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(f"{W}val") == "fr"
    assert french.core_properties.language == "fr"
    assert not french.element.body.findall(f".//{W}lang")


def test_accented_names_come_through_intact(aurora_outputs):
    text = writer.read_text(aurora_outputs["docx"])
    assert "Zoë Ångström, Director." in text and "José Núñez" in text and "Tromsø" in text


# --- tables -----------------------------------------------------------------------------


def test_tables_have_a_style_column_widths_and_a_repeating_header_row(report):
    table = report.tables[0]
    tbl = table._tbl
    assert table.style.name == TABLE_STYLE
    assert [row.cells[0].text for row in table.rows][:3] == ["Item", "Founded", "Status"]
    width = tbl.tblPr.find(f"{W}tblW")
    assert (width.get(f"{W}type"), width.get(f"{W}w")) == ("pct", "5000")
    assert tbl.tblPr.find(f"{W}tblLayout").get(f"{W}type") == "fixed"
    assert [int(col.get(f"{W}w")) for col in tbl.tblGrid.findall(f"{W}gridCol")] == [2721, 6349]  # 30 % of 9070
    for row in tbl.tr_lst:
        assert [int(tc.tcPr.find(f"{W}tcW").get(f"{W}w")) for tc in row.tc_lst] == [2721, 6349]
    assert tbl.tr_lst[0].trPr.find(f"{W}tblHeader") is not None
    assert all(row.trPr.find(f"{W}tblHeader") is None for row in tbl.tr_lst[1:])
    assert all(row.trPr.find(f"{W}cantSplit") is not None for row in tbl.tr_lst)
    assert tbl.tblPr.find(f"{W}tblLook").get(f"{W}firstRow") == "1"
    first_row = report.styles[TABLE_STYLE].element.find(f"{W}tblStylePr[@{W}type='firstRow']")
    assert first_row.find(f"{W}rPr/{W}b") is not None
    assert {p.style.name for row in table.rows for cell in row.cells for p in cell.paragraphs} == {"Table Text"}


# --- table of contents ------------------------------------------------------------------


def test_contents_follow_the_lead_and_link_to_bookmarked_headings(report):
    paragraphs = styled(report)
    assert paragraphs[3] == ("TOCHeading", "Contents")
    entries = paragraphs[4:4 + len(BIGSCIENCE_HEADINGS)]
    assert entries == [("TOC1", text) for text in BIGSCIENCE_HEADINGS]
    body = report.element.body
    bookmarks = {b.get(f"{W}name"): b.getparent() for b in body.iter(f"{W}bookmarkStart")}
    links = [p.find(f"{W}hyperlink") for p in list(body.iterchildren(f"{W}p"))[4:4 + len(BIGSCIENCE_HEADINGS)]]
    assert [link.get(f"{W}anchor") for link in links][:3] == ["at-a-glance", "key-figures", "timeline"]
    for link in links:
        heading = bookmarks[link.get(f"{W}anchor")]
        assert heading.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Heading1"
        assert text_of(heading) == text_of(link)
    assert len({b.get(f"{W}id") for b in body.iter(f"{W}bookmarkStart")}) == len(bookmarks)


def test_contents_are_a_word_toc_field_around_our_entries(report):
    body = report.element.body
    fields = [(e.get(f"{W}fldCharType") if e.tag == f"{W}fldChar" else e.text)
              for e in body.iter(f"{W}fldChar", f"{W}instrText")]
    assert fields == ["begin", ' TOC \\o "1-2" \\h \\z \\u ', "separate", "end"]
    entries = list(body.iterchildren(f"{W}p"))[4:4 + len(BIGSCIENCE_HEADINGS)]
    assert entries[0].find(f"{W}r/{W}fldChar").get(f"{W}fldCharType") == "begin"
    assert entries[0].index(entries[0].find(f"{W}hyperlink")) == 4  # pPr, begin, instruction, separate, entry
    assert entries[-1][-1].find(f"{W}fldChar").get(f"{W}fldCharType") == "end"


def test_second_level_headings_get_toc_2_entries(aurora, tmp_path):
    (tmp_path / "report.md.j2").write_text("# {{ name }}\n\n## One\n\ntext\n\n### One and a half\n\n## Two\n")
    document = render_with(aurora, templates=tmp_path)
    assert styled(document)[1:5] == [("TOCHeading", "Contents"), ("TOC1", "One"), ("TOC2", "One and a half"),
                                     ("TOC1", "Two")]
    assert [s for s, _ in styled(document)[5:]] == ["Heading1", "BodyText", "Heading2", "Heading1"]


def test_in_document_links_land_on_the_heading_bookmarks(aurora, tmp_path):
    (tmp_path / "report.md.j2").write_text("# {{ name }}\n\n## Key figures\n\nSee [the figures](#key-figures).\n")
    body = render_with(aurora, templates=tmp_path).element.body
    link = body.findall(f"{W}p")[-1].find(f"{W}hyperlink")
    assert link.get(f"{W}anchor") == "key-figures"
    assert link.find(f"{W}r/{W}rPr/{W}rStyle").get(f"{W}val") == "Hyperlink"
    assert [b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")] == ["key-figures"]


def test_no_headings_no_contents(aurora, tmp_path):
    (tmp_path / "report.md.j2").write_text("# {{ name }}\n\nJust a paragraph.\n")
    assert styled(render_with(aurora, templates=tmp_path)) == [("Title", "Aurora Lab"), ("Subtitle", "Just a paragraph.")]


# --- header, footer ---------------------------------------------------------------------


def test_header_holds_the_title_and_footer_page_x_of_y(report):
    section = report.sections[0]
    assert [(p.style.name, p.text) for p in section.header.paragraphs] == [("Header", "BigScience")]
    footer = section.footer.paragraphs[0]
    assert footer.style.name == "Footer"
    assert footer.text == "Page 1 of 1"  # stored results; readers recompute PAGE and NUMPAGES
    parts = [(e.get(f"{W}fldCharType") if e.tag == f"{W}fldChar" else e.text)
             for e in footer._p.iter(f"{W}fldChar", f"{W}instrText")]
    assert parts == ["begin", " PAGE ", "separate", "end", "begin", " NUMPAGES ", "separate", "end"]


# --- hyperlinks, properties, bytes ------------------------------------------------------


def test_inline_markdown_becomes_runs_and_a_clickable_hyperlink(aurora_report):
    body = aurora_report.element.body
    assert body.findall(f".//{W}r/{W}rPr/{W}b") and body.findall(f".//{W}r/{W}rPr/{W}i")
    links = [link for link in body.iter(f"{W}hyperlink") if link.get(R_ID)]
    targets = [aurora_report.part.rels[link.get(R_ID)].target_ref for link in links]
    assert targets[0] == "https://example.org/aurora"
    assert "https://example.org/press" in targets
    assert all(aurora_report.part.rels[link.get(R_ID)].is_external for link in links)
    assert {link.find(f"{W}r/{W}rPr/{W}rStyle").get(f"{W}val") for link in links} == {"Hyperlink"}


def test_core_properties_come_from_the_content(report):
    props = report.core_properties
    assert props.title == "BigScience"
    assert props.author == "Nextomoro"
    assert props.subject.startswith("BigScience was an international AI research collaboration")
    assert props.keywords.startswith("BigScience, BLOOM")
    assert props.language == "en"
    assert props.created == props.modified == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    assert "python-docx" not in (props.comments + props.last_modified_by + props.author)
    assert "dossier" not in props.title + props.comments  # nothing left from the reference document
    app = zipfile.ZipFile(io.BytesIO(docx_bytes(report))).read("docProps/app.xml").decode()
    assert "<Application>dossier " in app and "Word" not in app


def test_read_metadata(bigscience, bigscience_outputs):
    assert writer.read_metadata(bigscience_outputs["docx"]) == Document(bigscience).metadata


def test_two_renders_give_identical_bytes(bigscience, env, bigscience_outputs):
    again = render("docx", bigscience, env)
    assert again == bigscience_outputs["docx"]
    dates = {info.date_time for info in zipfile.ZipFile(io.BytesIO(again)).infolist()}
    assert dates == {(1980, 1, 1, 0, 0, 0)}


# --- numbered lists ---------------------------------------------------------------------

TWO_NUMBERED_LISTS = """# {{ name }}

## Steps

1. First
2. Second
    1. nested one
    2. nested two
3. Third

Between the lists.

1. Again one
2. Again two

Then from five.

5. Five
6. Six
"""


def test_every_numbered_list_restarts(aurora, tmp_path):
    (tmp_path / "report.md.j2").write_text(TWO_NUMBERED_LISTS)
    document = render_with(aurora, templates=tmp_path)
    numbered = [(p.style.name, p.text, p._p.pPr.numPr.numId.val) for p in document.paragraphs if p._p.pPr.numPr is not None]
    assert [(style, text) for style, text, _ in numbered] == [
        ("List Number", "First"), ("List Number", "Second"), ("List Number 2", "nested one"),
        ("List Number 2", "nested two"), ("List Number", "Third"), ("List Number", "Again one"),
        ("List Number", "Again two"), ("List Number", "Five"), ("List Number", "Six")]
    lists = [numbered[0][2], numbered[2][2], numbered[5][2], numbered[7][2]]
    assert len(set(lists)) == 4 and numbered[1][2] == numbered[4][2] == lists[0]
    numbering = document.part.numbering_part.element
    starts = [numbering.num_having_numId(num_id).find(f"{W}lvlOverride/{W}startOverride").get(f"{W}val")
              for num_id in lists]
    assert starts == ["1", "1", "1", "5"]
    style_list = document.styles["List Number"].element.pPr.numPr.numId.val
    assert numbering.num_having_numId(lists[0]).abstractNumId.val == numbering.num_having_numId(style_list).abstractNumId.val


# --- the reference document -------------------------------------------------------------


def red_heading_reference(path, *, header: str | None = None):
    """python-docx's default document with a red Heading 1 in DejaVu Sans Mono, and body text to be dropped."""
    document = docx.Document()
    heading = document.styles["Heading 1"]
    heading.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
    heading.font.name = "DejaVu Sans Mono"
    fonts = heading.element.rPr.rFonts
    for key in [key for key in fonts.attrib if key.endswith(("Theme", "theme"))]:
        del fonts.attrib[key]  # a theme font (python-docx's template has one) would win over the name
    document.add_paragraph("Reference body text that must not reach the report.")
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
        document.sections[0].footer.paragraphs[0].text = "Reference footer"
    document.save(path)
    return path


def test_a_reference_document_restyles_the_headings(aurora, tmp_path):
    report = render_with(aurora, reference=red_heading_reference(tmp_path / "red.docx"))
    heading = report.styles["Heading 1"]
    assert heading.font.color.rgb == RGBColor(0xFF, 0x00, 0x00)
    assert heading.font.name == "DejaVu Sans Mono"
    assert heading.element.rPr.rFonts.get(f"{W}asciiTheme") is None
    headings = [p for p in report.paragraphs if p.style.name == "Heading 1"]
    assert [p.text for p in headings][:2] == ["At a glance", "Key figures"]
    assert all(run.font.color.rgb is None and run.font.name is None for p in headings for run in p.runs)
    assert "Reference body text" not in writer.read_text(docx_bytes(report))
    assert report.sections[0].page_width.inches == 8.5  # the reference's page: python-docx's US Letter
    for name in ("Hyperlink", "toc 1", "toc 2", TABLE_STYLE, "Table Text"):  # missing there: ours
        assert name in report.styles
    assert report.sections[0].header.paragraphs[0].text == "Aurora Lab"  # the reference has none: ours


def test_the_references_own_header_and_footer_win(aurora, tmp_path):
    report = render_with(aurora, reference=red_heading_reference(tmp_path / "r.docx", header="Confidential"))
    assert [p.text for p in report.sections[0].header.paragraphs] == ["Confidential"]
    assert [p.text for p in report.sections[0].footer.paragraphs] == ["Reference footer"]


def test_a_reference_docx_in_the_templates_folder_overrides_the_default(aurora, tmp_path):
    red_heading_reference(tmp_path / "reference.docx")
    report = render_with(aurora, templates=tmp_path)
    assert report.styles["Heading 1"].font.color.rgb == RGBColor(0xFF, 0x00, 0x00)


def test_a_reference_without_list_styles_or_numbering_gets_ours(aurora, tmp_path):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    document = docx.Document()
    for style in list(document.styles.element.style_lst):
        if style.name_val.startswith("List"):
            document.styles.element.remove(style)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype == RT.NUMBERING:
            document.part.rels.pop(rel_id)
    document.save(tmp_path / "bare.docx")
    (tmp_path / "report.md.j2").write_text(TWO_NUMBERED_LISTS)
    report = render_with(aurora, templates=tmp_path, reference=tmp_path / "bare.docx")
    numbering = report.part.numbering_part.element
    style_num = report.styles["List Number"].element.pPr.numPr.numId.val
    abstract = numbering.num_having_numId(style_num).abstractNumId.val
    level = numbering.xpath(f"w:abstractNum[@w:abstractNumId='{abstract}']/w:lvl")[0]
    assert level.find(f"{W}numFmt").get(f"{W}val") == "decimal"
    first = next(p for p in report.paragraphs if p.text == "First")
    assert numbering.num_having_numId(first._p.pPr.numPr.numId.val).abstractNumId.val == abstract


def test_a_missing_or_broken_reference_is_a_template_error(aurora, tmp_path):
    with pytest.raises(TemplateError, match="cannot be read as a Word document"):
        render_with(aurora, reference=tmp_path / "nowhere.docx")
    (tmp_path / "broken.docx").write_text("not a zip")
    with pytest.raises(TemplateError, match=r"broken\.docx cannot be read as a Word document"):
        render_with(aurora, reference=tmp_path / "broken.docx")


def docx_bytes(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- the script that makes the default reference ----------------------------------------


def test_the_script_reproduces_templates_reference_docx():
    spec = importlib.util.spec_from_file_location("make_reference_docx", ROOT / "scripts" / "make_reference_docx.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    built = zipfile.ZipFile(io.BytesIO(script.build()))
    committed = zipfile.ZipFile(default_theme_folder() / "reference.docx")
    # Member by member, uncompressed: a different zlib may compress the same bytes differently.
    assert built.namelist() == committed.namelist()
    for name in built.namelist():
        assert built.read(name) == committed.read(name), (
            f"templates/reference.docx is stale ({name}): run .venv/bin/python scripts/make_reference_docx.py")
    assert script.build() == script.build()
    assert writer.read_text((default_theme_folder() / "reference.docx").read_bytes()) == ""  # no body, header or footer


def test_read_text_reads_paragraphs_without_soft_hyphens():
    # A soft hyphen at a paragraph's end is no hyphenation break: it must not join two paragraphs.
    document = docx.Document()
    document.add_paragraph("q\u00ad")
    document.add_paragraph("\u00bax")
    assert writer.read_text(docx_bytes(document)) == "q\n\u00bax"
