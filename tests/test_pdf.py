"""The fact sheet PDF: one page, metadata from the content, shrink-to-fit that never clips."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import yaml

from dossier.content import load_profile
from dossier.errors import RenderError
from dossier.formats import RenderOptions, pdf
from tests.conftest import AURORA


def page_count(data: bytes) -> int:
    return len(pypdfium2.PdfDocument(io.BytesIO(data)))


def test_bigscience_fact_sheet_is_exactly_one_page(bigscience_outputs):
    assert page_count(bigscience_outputs["pdf"]) == 1


def test_metadata_comes_from_the_content(bigscience_outputs):
    meta = pypdfium2.PdfDocument(io.BytesIO(bigscience_outputs["pdf"])).get_metadata_dict()
    assert meta["Title"] == "BigScience"
    assert meta["Author"] == "Nextomoro"
    assert meta["Subject"].startswith("BigScience was an international AI research collaboration")
    assert meta["Keywords"].startswith("BigScience, BLOOM, Hugging Face")
    assert meta["CreationDate"].startswith("D:20260401")


def test_inline_markdown_becomes_styled_text(aurora, env):
    # The fixture's prose has *emphasis*, **strong** and a link: they reach the page as formatting.
    from dossier.context import build_context
    from dossier.templating import render_template

    html = render_template(env, pdf.TEMPLATE, {**build_context(aurora), "paper": "A4", "font_size": 9})
    assert "<em>" in html and "<strong>" in html and 'href="https://example.org/aurora"' in html


def long_profile(tmp_path, paragraphs: int, words: int):
    data = yaml.safe_load(AURORA.read_text())
    data["lead"] = " ".join(["Lorem ipsum dolor sit amet, consectetur."] * words)
    data["sections"][0]["blocks"] = ["Filler."] * paragraphs
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return load_profile(path)


def test_long_content_shrinks_and_still_fits(tmp_path, env):
    profile = long_profile(tmp_path, 1, 60)
    data = pdf.render(profile, env, RenderOptions())
    assert page_count(data) == 1
    from dossier.verify import check_output

    assert check_output(profile, "pdf", "x", data).ok


def test_content_that_cannot_fit_fails_naming_the_block(tmp_path, env):
    profile = long_profile(tmp_path, 1, 400)
    with pytest.raises(RenderError) as caught:
        pdf.render(profile, env, RenderOptions())
    message = str(caught.value)
    assert "does not fit one A4 page even at 7.5 pt" in message
    assert "spilling onto page 2:" in message and "footer" in message


def test_letter_paper(aurora, env):
    data = pdf.render(aurora, env, RenderOptions(paper="letter"))
    width, height = pypdfium2.PdfDocument(io.BytesIO(data))[0].get_size()
    assert (round(width), round(height)) == (612, 792)
