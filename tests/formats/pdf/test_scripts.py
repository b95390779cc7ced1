"""Every script on the fact sheet: real glyphs for Chinese, Arabic and Devanagari; missing glyphs are named."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess

import pytest
import yaml

from dossier.content import load_profile
from dossier.document import Document
from dossier.errors import RenderError
from dossier.formats import pdf
from dossier.formats.pdf import factsheet
from dossier.verify import check_output, normalise
from helpers import AURORA, FIXTURES, pdf_source, render

SCRIPTS = FIXTURES / "scripts" / "scripts.yaml"
NOTO_FAMILIES = ("Noto Sans", "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Devanagari")


def installed(family: str) -> bool:
    if not shutil.which("fc-list"):
        return False
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    return any(family in line.split(",") for line in listed.splitlines())


needs_noto = pytest.mark.skipif(not all(installed(f) for f in NOTO_FAMILIES),
                                reason="needs fonts-noto-core and fonts-noto-cjk (scripts/setup.sh)")


@pytest.fixture(scope="module")
def scripts_pdf(env):
    """The scripts fixture rendered once, with the warnings the render logged."""
    profile = load_profile(SCRIPTS)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("dossier.pdf")
    logger.addHandler(handler)
    try:
        data = render("pdf", profile, env, strict=True)
    finally:
        logger.removeHandler(handler)
    return profile, data, [record.getMessage() for record in records]


@needs_noto
def test_chinese_arabic_and_devanagari_render_with_real_glyphs(scripts_pdf):
    profile, data, warnings = scripts_pdf
    assert warnings == []  # and strict: no character fell back to an empty box
    fonts = {re.sub(rb"^[A-Z]{6}\+", b"", name).decode()
             for name in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", pdf_source(data))}
    assert {"Noto-Sans", "Noto-Sans-CJK-SC", "Noto-Sans-Arabic", "Noto-Sans-Devanagari"} <= fonts
    assert check_output(Document(profile), "pdf", "scripts", data).ok


@needs_noto
def test_arabic_values_read_back_right_to_left_in_logical_order(scripts_pdf):
    profile, data, _warnings = scripts_pdf
    lines = [normalise(line) for line in pdf.read_text(data).splitlines()]
    # A right-to-left value has a line of its own, which text extraction puts back in logical order.
    assert "فاطمة الزهراء" in lines and "الكتابة جسر" in lines
    assert "Renée Ødegård" in normalise(pdf.read_text(data))


@needs_noto
def test_devanagari_names_read_back(scripts_pdf):
    # WeasyPrint 70 alone maps all but one glyph of a multi-glyph cluster to nothing (Kozea/WeasyPrint#2841);
    # formats/pdf/textlayer.py gives the fact sheet a true text layer.
    _profile, data, _warnings = scripts_pdf
    text = normalise(pdf.read_text(data))
    assert "अनन्या शर्मा" in text and "लिपि सेतु" in text


def aurora_with_private_use_character(tmp_path):
    data = yaml.safe_load(AURORA.read_text(encoding="utf-8"))
    data["facts"]["array"]["value"] = "Borealis-9 \ue000"  # private use: no font has a glyph
    path = tmp_path / "pua.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_profile(path)


def test_a_character_no_font_has_is_named_in_a_warning(tmp_path, env, caplog):
    profile = aurora_with_private_use_character(tmp_path)
    with caplog.at_level(logging.WARNING, logger="dossier.pdf"):
        data = render("pdf", profile, env)
    assert data.startswith(b"%PDF")
    assert [m for m in caplog.messages if m.startswith(str(profile.source))] == [
        f"{profile.source}: fact sheet: no installed font has a glyph for U+E000; those characters print "
        "as empty boxes (install fonts-noto-core and fonts-noto-cjk, or change the text)"]


def test_strict_makes_a_missing_glyph_an_error(tmp_path, env):
    profile = aurora_with_private_use_character(tmp_path)
    with pytest.raises(RenderError, match=r"fact sheet: no installed font has a glyph for U\+E000;"):
        render("pdf", profile, env, strict=True)


@pytest.mark.parametrize("language, cjk", [("en", "SC"), ("zh-Hans", "SC"), ("ar", "SC"), ("ja", "JP"),
                                           ("ko", "KR"), ("zh-Hant", "TC"), ("zh-HK", "HK")])
def test_the_font_stack_names_a_noto_family_per_script_then_dejavu(env, language, cjk):
    from dossier.formats.pdf.factsheet import STYLESHEET, css_fonts
    from dossier.templating import render_template

    css = render_template(env, STYLESHEET, {"fonts": css_fonts(language)})
    text = re.search(r"html \{[^}]*font-family:([^;]*);", css).group(1)
    for name in ("scripts", "base", "cjk"):
        text = text.replace(f"var(--{name})", re.search(rf"--{name}:([^;]*);", css).group(1))
    assert list(dict.fromkeys(family.strip().strip('"') for family in text.split(","))) == [
        "Noto Sans", f"Noto Sans CJK {cjk}", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari",
        "Noto Sans Bengali", "Noto Sans Tamil", "Noto Sans Thai", "DejaVu Sans", "sans-serif"]


def test_a_value_mixing_directions_fails_verification_and_says_why(tmp_path, env):
    import yaml

    from dossier.content import load_profile
    from dossier.verify import check_output
    from helpers import AURORA

    data = yaml.safe_load(AURORA.read_text(encoding="utf-8"))
    data["facts"]["budget"]["value"] = "مؤسسة BigScience 2022"
    path = tmp_path / "mixed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    profile = load_profile(path)
    check = check_output(Document(profile), "pdf", "x", render("pdf", profile, env))
    assert check.describe() == (
        "x: missing 1 of 10 facts: budget ('مؤسسة BigScience 2022') [mixes right-to-left and left-to-right "
        "text, which the PDF's text layer holds in display order: give each direction its own fact]")


def test_missing_plain_letters_mean_no_usable_font():
    import pytest

    from dossier.errors import EnvironmentProblem

    with pytest.raises(EnvironmentProblem) as caught:
        factsheet._report_missing_glyphs("x.yaml", [0xE000, 0x41, 0x62], strict=False)
    assert str(caught.value) == ("x.yaml: fact sheet: no installed font has the letters and digits of plain text "
                                 "(U+0041, U+0062); install fonts: apt-get install fonts-dejavu-core fonts-noto-core")
