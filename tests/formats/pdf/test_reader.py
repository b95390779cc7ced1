"""The fact sheet read back as a reader sees it: one page, and every fact drawn where its text layer says.

The tampered files are made with pdfium's page editing: a text object set to render invisibly or
filled white, a white box drawn over a digit, a text object moved off the page, a page added.
"""

from __future__ import annotations

import ctypes
import io
import random
import shutil
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium
import pytest

from dossier.document import Document
from dossier.errors import VerificationError
from dossier.formats import Reading
from dossier.formats.pdf import reader
from dossier.templating import default_theme_folder, make_environment
from dossier.verify import check_output
from helpers import render

FIGURE = "176\u00a0billion"  # BigScience's first key figure, as its text layer holds it
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def edited(data: bytes, text: str, how: str, characters: list[int] | None = None, last: bool = False) -> bytes:
    """The PDF with the first (or last) occurrence of `text` on page 1 tampered with: the text objects
    holding it (a line or a run of a line) set to render invisibly ('invisible') or filled white
    ('white') or moved off the page ('away'), or a white box drawn over each of its `characters`
    ('cover')."""
    pdf = pypdfium2.PdfDocument(data)
    page = pdf[0]
    textpage = page.get_textpage()
    start = textpage.get_text_range().rfind(text) if last else textpage.get_text_range().find(text)
    assert start >= 0, text
    indices = [start + i for i in (characters if characters is not None else range(len(text)))]
    objects = {}
    for index in indices:
        found = pdfium.FPDFText_GetTextObject(textpage, index)
        objects[ctypes.addressof(found.contents)] = found
    for index in indices:
        if how == "cover":
            left, bottom, right, top = textpage.get_charbox(index, loose=True)
            box = pdfium.FPDFPageObj_CreateNewRect(left, bottom, right - left, top - bottom)
            pdfium.FPDFPageObj_SetFillColor(box, 255, 255, 255, 255)
            pdfium.FPDFPath_SetDrawMode(box, pdfium.FPDF_FILLMODE_WINDING, False)
            pdfium.FPDFPage_InsertObject(page, box)
    for found in objects.values():
        if how == "invisible":
            pdfium.FPDFTextObj_SetTextRenderMode(found, pdfium.FPDF_TEXTRENDERMODE_INVISIBLE)
        elif how == "white":
            pdfium.FPDFPageObj_SetFillColor(found, 255, 255, 255, 255)
        elif how == "away":
            pdfium.FPDFPageObj_Transform(found, 1, 0, 0, 1, 0, 2000)
    assert pdfium.FPDFPage_GenerateContent(page)
    return saved(pdf)


def saved(pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def with_blank_page(data: bytes, index: int) -> bytes:
    pdf = pypdfium2.PdfDocument(data)
    width, height = pdf[0].get_size()
    pdf.new_page(width, height, index=index)
    return saved(pdf)


def drawn_check(profile, data: bytes):
    return check_output(Document(profile), "pdf", "x.pdf", data, with_metadata=False)


def undrawn_text(data: bytes) -> str:
    """Every character of page 1's text layer that leaves no ink, in order."""
    text = reader.read_text(data)
    reading = Reading(locate=lambda text: [range(len(text))])
    reader.read_text(data, reading)
    return "".join(text[index] for index in sorted(reading.undrawn))


# --- what a fresh fact sheet looks like ----------------------------------------------------------


def test_every_character_of_a_fresh_fact_sheet_is_drawn(bigscience_outputs, aurora_outputs):
    # The whole text layer, not only the facts: no false alarm anywhere on the page.
    assert undrawn_text(bigscience_outputs["pdf"]) == ""
    assert undrawn_text(aurora_outputs["pdf"]) == ""


def test_small_type_is_drawn_too(tmp_path, bigscience):
    # A theme at 6 pt, which the fit shrinks further: pdfium draws such glyphs a pixel or two off their
    # boxes at 72 dpi, which the check must not take for missing ink.
    (tmp_path / "factsheet.html.j2").write_text(
        "<html><body style='font-size: 6pt'>{% for f in facts %}<p>{{ f.value }}</p>{% endfor %}"
        "{% for m in timeline %}<p>{{ m.when }}: {{ m.label }}</p>{% endfor %}</body></html>")
    data = render("pdf", bigscience, make_environment(tmp_path))
    assert undrawn_text(data) == ""
    assert drawn_check(bigscience, data).ok


def test_the_reader_reports_the_page_count_only_when_asked(bigscience_outputs):
    two = with_blank_page(bigscience_outputs["pdf"], 1)
    assert reader.read_text(two).startswith(reader.read_text(bigscience_outputs["pdf"]))
    reading = Reading()
    reader.read_text(two, reading)
    assert reading.problems == ["2 pages; a fact sheet is one page"]
    reading = Reading()
    reader.read_text(bigscience_outputs["pdf"], reading)
    assert reading.problems == [] and reading.undrawn == set()


# --- fact sheets a reader sees otherwise ------------------------------------------------------------


def test_a_second_page_fails_even_with_every_fact_on_it(bigscience, bigscience_outputs):
    for index in (0, 1):  # the facts on page 2, then on page 1
        check = drawn_check(bigscience, with_blank_page(bigscience_outputs["pdf"], index))
        assert check.missing == ()
        assert check.problems == ("2 pages; a fact sheet is one page",)
        assert check.describe() == "x.pdf: 2 pages; a fact sheet is one page"


def test_a_figure_in_invisible_render_mode_is_caught(bigscience, bigscience_outputs):
    data = edited(bigscience_outputs["pdf"], FIGURE, "invisible")
    assert FIGURE in reader.read_text(data)  # the text layer still holds it
    check = drawn_check(bigscience, data)
    assert check.missing == ()
    assert check.problems == ("facts drawn invisibly: params ('176 billion')",)
    assert not check.ok
    assert check.describe() == "x.pdf: facts drawn invisibly: params ('176 billion')"


def test_white_text_is_caught(bigscience, bigscience_outputs):
    # In the table of more figures; the other place is in the middle of a line of the funding fact.
    data = edited(bigscience_outputs["pdf"], "Jean\u00a0Zay", "white", last=True)
    assert drawn_check(bigscience, data).problems == (
        "facts drawn invisibly: supercomputer ('Jean Zay') in 1 of 2 places",)


def test_one_digit_under_a_white_box_is_caught(bigscience, bigscience_outputs):
    data = edited(bigscience_outputs["pdf"], FIGURE, "cover", characters=[1])  # the 7 of 176
    assert undrawn_text(data) == "7"
    assert drawn_check(bigscience, data).problems == ("facts drawn invisibly: params ('176 billion')",)


def test_text_moved_off_the_page_is_caught(bigscience, bigscience_outputs):
    data = edited(bigscience_outputs["pdf"], FIGURE, "away")
    assert drawn_check(bigscience, data).problems == ("facts drawn invisibly: params ('176 billion')",)


def test_a_fact_hidden_in_one_of_its_places_says_so(aurora, aurora_outputs):
    # "12" (partner institutions) is in the lead and at a glance; only the latter is blanked.
    assert reader.read_text(aurora_outputs["pdf"]).count("12") == 2
    data = edited(aurora_outputs["pdf"], "12", "invisible", last=True)
    assert drawn_check(aurora, data).problems == ("facts drawn invisibly: partners ('12') in 1 of 2 places",)


@pytest.fixture
def blank_digits_theme(tmp_path):
    """A theme whose fact values are set in a font with empty digit glyphs: the text layer keeps the
    digits, the page shows none."""
    if not DEJAVU.is_file():
        pytest.skip("needs DejaVu Sans (fonts-dejavu-core)")
    from fontTools import subset
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    font = TTFont(DEJAVU)
    options = subset.Options()
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(map(chr, range(0x20, 0x7F))) + "\u00a0€ÅÖåäëöü")
    subsetter.subset(font)
    glyphs = font.getBestCmap()
    for digit in "0123456789":
        font["glyf"][glyphs[ord(digit)]] = TTGlyphPen(None).glyph()
    theme = tmp_path / "theme"
    theme.mkdir()
    font.save(theme / "blank-digits.ttf")
    shutil.copy(default_theme_folder() / "factsheet.css", theme / "factsheet.css")
    with open(theme / "factsheet.css", "a", encoding="utf-8") as css:
        css.write('\n@font-face { font-family: "Blank Digits"; src: url(blank-digits.ttf); }\n'
                  '.fact, .figure .value.fact { font-family: "Blank Digits"; }\n')
    return theme


def test_empty_glyphs_are_caught_at_build_time(aurora, blank_digits_theme):
    data = render("pdf", aurora, make_environment(blank_digits_theme))
    check = drawn_check(aurora, data)
    assert check.missing == ()
    assert check.problems == (("facts drawn invisibly: founded ('March 2019') in 1 of 2 places; researchers "
                              "('about 240') in 1 of 2 places; partners ('12') in 1 of 2 places; stations ('9') "
                              "in 2 of 4 places; array ('Borealis-9') in 2 of 4 places; flagship ('The "
                              "Borealis-9 all-sky camera network') in 1 of 2 places; budget ('€3.5 million'); "
                              "open_data ('40 terabytes') in 1 of 2 places"),)


# --- files that are not fact sheets ----------------------------------------------------------------


@pytest.mark.parametrize("damage", ["empty", "random bytes", "truncated", "not a PDF"])
def test_a_file_that_is_no_pdf_is_a_verification_error(bigscience, bigscience_outputs, damage):
    data = {"empty": b"", "random bytes": random.Random(7).randbytes(4000),
            "truncated": bigscience_outputs["pdf"][:len(bigscience_outputs["pdf"]) // 2],
            "not a PDF": b"%PDF-1.7\nnot really\n"}[damage]
    message = "cannot be read as a PDF: it is not a PDF, or it is damaged"
    for read in (reader.read_text, reader.read_metadata):
        with pytest.raises(VerificationError) as caught:
            read(data)
        assert caught.value.message == message
        assert caught.value.exit_code == 6
    check = check_output(Document(bigscience), "pdf", "x.pdf", data)
    assert check.problems == (message,) and not check.ok
    assert check.describe() == f"x.pdf: {message}"
