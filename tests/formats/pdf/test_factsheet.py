"""The fact sheet PDF: one page on A4 and Letter, metadata from the content, tagged, read in order, never clipped."""

from __future__ import annotations

import io
import re

import pypdfium2
import pypdfium2.raw as pdfium
import pytest
import yaml

from dossier import scripts
from dossier.content import load_profile
from dossier.document import Document
from dossier.errors import RenderError
from dossier.formats import pdf
from dossier.formats.pdf import factsheet, fit
from dossier.templating import make_environment, render_template
from dossier.verify import check_output, normalise
from helpers import AURORA, pdf_source, render


def page_count(data: bytes) -> int:
    return len(pypdfium2.PdfDocument(io.BytesIO(data)))


def font_sizes_of(data: bytes, text: str) -> set[float]:
    """The font sizes (pt) of the characters of the first occurrence of `text` on page 1."""
    textpage = pypdfium2.PdfDocument(io.BytesIO(data))[0].get_textpage()
    start = textpage.get_text_range().find(text)
    assert start >= 0, text
    # pdfium leaves out the page's 0.75 scale (WeasyPrint draws in CSS px): px × 0.75 = pt.
    return {round(pdfium.FPDFText_GetFontSize(textpage.raw, start + i) * 0.75, 2) for i in range(len(text))}


def profile_with(tmp_path, name: str = "case", **changes):
    """Aurora with some top-level keys changed, loaded from tmp_path."""
    data = yaml.safe_load(AURORA.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_profile(path)


# -- One page, on both papers ---------------------------------------------------------------------

def test_bigscience_fact_sheet_is_exactly_one_a4_page_one_step_below_full_size(bigscience_outputs):
    data = bigscience_outputs["pdf"]
    assert page_count(data) == 1
    width, height = pypdfium2.PdfDocument(io.BytesIO(data))[0].get_size()
    assert (round(width), round(height)) == (595, 842)
    # With its timeline band BigScience needs one step down from 9 pt (the footer would spill).
    assert font_sizes_of(data, "BigScience was a one-year") == {8.5}


def test_letter_paper_shrinks_bigscience_to_fit(bigscience, env):
    data = render("pdf", bigscience, env, paper="letter")
    page = pypdfium2.PdfDocument(io.BytesIO(data))[0]
    assert (round(page.get_width()), round(page.get_height())) == (612, 792)
    assert page_count(data) == 1
    # Letter is 18 mm shorter than A4: the same text needs the next step down.
    assert font_sizes_of(data, "BigScience was a one-year") == {8.0}
    assert check_output(Document(bigscience), "pdf", "letter", data).ok


def lorem(words: int) -> str:
    return " ".join(["Lorem ipsum dolor sit amet, consectetur."] * words)


def test_long_content_shrinks_to_a_step_above_the_floor_and_keeps_every_fact(tmp_path, env):
    profile = profile_with(tmp_path, "long", lead=lorem(130))
    data = render("pdf", profile, env)
    assert page_count(data) == 1
    assert font_sizes_of(data, "Lorem ipsum") == {8.0}
    assert check_output(Document(profile), "pdf", "long", data).ok


def test_content_that_cannot_fit_fails_naming_the_blocks_that_spill(tmp_path, env):
    profile = profile_with(tmp_path, "huge", lead=lorem(400))
    with pytest.raises(RenderError) as caught:
        render("pdf", profile, env)
    assert str(caught.value) == (
        f"{profile.source}: the fact sheet does not fit one A4 page even at 7.5 pt; spilling onto page 2: "
        "summary, at a glance, flagship outputs, more figures, footer; shorten that content")


def test_a_line_wider_than_its_column_is_not_a_fit(tmp_path, aurora):
    # A user theme that forbids line breaks in the summary: the text would run off the page.
    (tmp_path / "factsheet.css").write_text(
        (pdf_theme_css() + "\n.summary p { white-space: nowrap; }\n"), encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        render("pdf", aurora, make_environment(tmp_path))
    assert "even at 7.5 pt; too wide for its column: summary; shorten that content" in str(caught.value)


def pdf_theme_css() -> str:
    from dossier.templating import default_theme_folder

    return (default_theme_folder() / "factsheet.css").read_text(encoding="utf-8")


def test_a_block_the_layout_swallows_is_not_a_fit(tmp_path, aurora):
    # A fixed-height root makes WeasyPrint drop what overflows it, without a second page.
    (tmp_path / "factsheet.css").write_text(
        pdf_theme_css() + "\nhtml, body { height: 100%; } footer { float: none; }\n"
        ".summary { height: 300mm; }\n", encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        render("pdf", aurora, make_environment(tmp_path))
    assert str(caught.value).endswith(
        "even at 7.5 pt; spilling onto page 2: summary; "
        "not on the page: at a glance, flagship outputs, more figures, footer; shorten that content")


# -- The shrink search -----------------------------------------------------------------------------

def search(fits_from: float | None, estimate: float | None = None):
    """Run largest_fitting over the real steps with content that fits from `fits_from` pt down."""
    tried: list[float] = []

    def attempt(step):
        tried.append(step)
        return (fits_from is not None and step <= fits_from), f"layout at {step}"

    found = fit.largest_fitting(fit.FONT_STEPS, attempt, (lambda _result: estimate) if estimate else None)
    return found, tried


@pytest.mark.parametrize("fits_from, estimate, expected, tried", [
    (9.0, None, 9.0, [9.0]),                    # the common case: one layout
    (8.5, 8.7, 8.5, [9.0, 8.5]),                # a good estimate: two
    (8.5, 8.33, 8.5, [9.0, 8.5]),               # BigScience on A4: the estimate aims low, the step above it fits
    (8.0, 8.07, 8.0, [9.0, 8.5, 8.0]),          # BigScience on Letter: one more, down
    (8.0, 8.7, 8.0, [9.0, 8.5, 8.0]),           # an optimistic estimate walks down
    (8.5, 7.9, 8.5, [9.0, 8.0, 8.5]),           # a pessimistic one walks up
    (None, 5.0, None, [9.0, 7.5]),              # hopeless: straight to the floor, then fail
    (8.5, None, 8.5, [9.0, 8.0, 8.5]),          # no estimate: start in the middle
])
def test_largest_fitting_tries_few_sizes(fits_from, estimate, expected, tried):
    (size, result), attempts = search(fits_from, estimate)
    assert size == expected and attempts == tried
    assert result == f"layout at {expected if expected else 7.5}"


# -- Metadata, tags, reading order -----------------------------------------------------------------

def test_metadata_is_the_contexts(bigscience, bigscience_outputs):
    assert pdf.read_metadata(bigscience_outputs["pdf"]) == Document(bigscience).metadata
    info = pypdfium2.PdfDocument(io.BytesIO(bigscience_outputs["pdf"])).get_metadata_dict()
    assert info["CreationDate"].startswith("D:20260401") and info["ModDate"].startswith("D:20260401")
    assert info["Creator"].startswith("dossier ")


def test_the_pdf_is_tagged_with_title_and_language(bigscience_outputs):
    data = bigscience_outputs["pdf"]
    assert pdfium.FPDFCatalog_IsTagged(pypdfium2.PdfDocument(io.BytesIO(data)).raw)
    source = pdf_source(data)
    assert b"/StructTreeRoot" in source and b"/DisplayDocTitle true" in source
    assert b"/Lang (en)" in source and b"/Title (BigScience)" in source
    assert b"/S /H1" in source and b"/S /H2" in source  # headings are headings for a screen reader


def test_text_reads_in_the_order_a_reader_reads(bigscience, bigscience_outputs):
    text = normalise(pdf.read_text(bigscience_outputs["pdf"]))
    landmarks = ["FACT SHEET As of April 2026 BigScience BigScience was an international",
                 "176 billion Parameters over 1,200 Volunteers 38 Countries 46 Natural languages "
                 "approximately $4 million Compute value",
                 "SUMMARY BigScience was a one-year", "AT A GLANCE", "FLAGSHIP OUTPUTS BLOOM. Released",
                 "MORE FIGURES Programming languages 13", "Nextomoro · AI Research Lab Intelligence"]
    positions = [text.find(landmark) for landmark in landmarks]
    assert -1 not in positions and positions == sorted(positions), dict(zip(landmarks, positions))
    assert text.endswith("Profile as of April 2026")


def test_at_a_glance_reads_entry_by_entry(bigscience, bigscience_outputs):
    # Two columns: every label is followed by its own value, in the content's order.
    text = normalise(pdf.read_text(bigscience_outputs["pdf"]))
    glance = text[text.find("AT A GLANCE"):text.find("TIMELINE")]
    values = Document(bigscience).facts
    entries = [f"{bigscience.facts[i].label.upper()} {normalise(values[i])}" for i in bigscience.at_a_glance]
    assert glance == "AT A GLANCE " + " ".join(entries) + " "


# -- The template ----------------------------------------------------------------------------------

def render_html(profile, env, size=9.0, paper="a4") -> str:
    return render_template(env, factsheet.TEMPLATE, {**factsheet.template_context(Document(profile, env), paper),
                                                     "font_size": size})


def test_inline_markdown_becomes_styled_text(aurora, env):
    # The fixture's prose has *emphasis*, **strong** and a link: they reach the page as formatting.
    html = render_html(aurora, env)
    assert "<em>" in html and "<strong>" in html and 'href="https://example.org/aurora"' in html


def test_key_figures_set_qualifiers_apart_and_keep_short_tails_together(bigscience, env):
    html = render_html(bigscience, env)
    assert ('<span class="qualifier">approximately</span> <span class="amount">$4&nbsp;million</span>'
            in html)
    assert '<span class="amount">176&nbsp;billion</span>' in html
    assert '<span class="qualifier">over</span> <span class="amount">1,200</span>' in html
    assert '<span class="fact" dir="ltr">Responsible AI&nbsp;License</span>' in html


def test_every_fact_value_is_set_without_hyphenation(bigscience, env):
    html = render_html(bigscience, env)
    values = re.findall(r'<(?:p|span) class="(?:value )?fact"', html)
    assert len(values) == len(bigscience.facts)  # each fact once: key figures, at a glance, more figures
    assert ".fact { hyphens: none; }" in pdf_theme_css()  # applied by the renderer, not inlined


def test_text_direction_is_that_of_the_first_strong_character():
    assert scripts.text_direction("فاطمة الزهراء") == "rtl"
    assert scripts.text_direction("12 שקל") == "rtl"  # digits are weak: the Hebrew decides
    assert scripts.text_direction("BLOOM (بلوم)") == "ltr"
    assert scripts.text_direction("李明华") == "ltr"
    assert scripts.text_direction("2024") == "ltr"


def test_unknown_paper_is_a_render_error(aurora, env):
    with pytest.raises(RenderError, match="unknown paper size 'a3' \\(known: a4, letter\\)"):
        render("pdf", aurora, env, paper="a3")


def test_a_theme_without_block_names_still_gets_one_page(tmp_path, aurora):
    (tmp_path / "factsheet.html.j2").write_text(
        "<html><body>{% for i in range(400) %}<p>{{ name }} {{ i }}</p>{% endfor %}</body></html>")
    with pytest.raises(RenderError) as caught:
        render("pdf", aurora, make_environment(tmp_path))
    assert "spilling onto page 2: content without a data-block name" in str(caught.value)


def test_a_right_to_left_label_does_not_reorder_its_value(tmp_path, env):
    # On a shared line the bidi algorithm would mirror ')' and the text would read back reversed.
    data = yaml.safe_load(AURORA.read_text())
    data["facts"]["budget"].update(label="ميزانية", value="(about) €3.5 million")
    path = tmp_path / "rtl.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    profile = load_profile(path)
    from dossier.verify import check_output

    assert check_output(Document(profile), "pdf", "x", render("pdf", profile, env)).missing == ()
