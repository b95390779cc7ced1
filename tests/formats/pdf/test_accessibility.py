"""The fact sheet is PDF/UA-1 as an independent checker sees it: page-validation (module `page`), a
PDF/UA and PDF/A validator that passes the veraPDF test corpus. Every content file the project has is
checked (BigScience with its timeline, and every test fixture), and BigScience with a brand logo."""

from __future__ import annotations

import pytest

from dossier.brand import load_brand
from dossier.content import load_profile
from helpers import BIGSCIENCE, FIXTURES, render

page = pytest.importorskip("page", reason="page-validation is a test dependency: pip install -e '.[test]'")

SOURCES = [BIGSCIENCE, *sorted(FIXTURES.glob("*/*.yaml"))]


def failed_rules(pdf: bytes) -> list[str]:
    report = page.validate_pdf_bytes(pdf, profile=page.ValidationProfile.PDF_UA_1)
    return sorted({f"{failure.rule_id}: {failure.message}" for failure in report.failures})


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_every_fixture_fact_sheet_passes_pdf_ua_1(env, source):
    assert failed_rules(render("pdf", load_profile(source), env)) == []


def test_a_branded_fact_sheet_with_logo_font_and_timeline_passes_too(env, bigscience):
    brand = load_brand(FIXTURES / "brand" / "_brand.yml")
    assert failed_rules(render("pdf", bigscience, env, brand=brand)) == []


def test_the_checker_fails_a_list_item_outside_a_list():
    """The checker is not a rubber stamp: the two rules the fact sheet used to fail, failed on purpose."""
    import weasyprint

    html = "<html lang='en'><head><title>t</title></head><body><dl><div><dt>a</dt><dd>b</dd></div></dl></body></html>"
    rules = failed_rules(weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))
    assert any(rule.startswith("PDFUA1-L-KIDS-001") for rule in rules)
    assert any(rule.startswith("PDFUA1-LI-PARENT-001") for rule in rules)


def test_the_checker_fails_a_picture_without_alt_text():
    import weasyprint

    svg = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnIHdpZHRoPScyJyBoZWlnaHQ9JzInLz4="
    html = f"<html lang='en'><head><title>t</title></head><body><img src='{svg}'></body></html>"
    assert failed_rules(weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")) != []
