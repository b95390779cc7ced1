"""Writing systems (scripts.py): directions, the script of a language, and the one table of fonts per script."""

from __future__ import annotations

import pytest

from dossier import scripts


@pytest.mark.parametrize("language, direction", [("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("ur", "rtl"),
                                                  ("en", "ltr"), ("hi", "ltr"), ("ja", "ltr"), ("xx", "ltr")])
def test_a_languages_direction_comes_from_cldr(language, direction):
    assert scripts.language_direction(language) == direction


def test_a_texts_direction_is_that_of_its_first_strong_character():
    assert scripts.text_direction("12 שקל") == "rtl"  # digits are weak: the Hebrew decides
    assert scripts.text_direction("BLOOM (بلوم)") == "ltr"
    assert scripts.text_direction("2024") == "ltr"
    assert scripts.holds_right_to_left("BLOOM (بلوم)") and not scripts.holds_right_to_left("2024 BLOOM")
    assert scripts.mixes_directions("BLOOM بلوم") and not scripts.mixes_directions("176 مليار")


@pytest.mark.parametrize("language, script", [
    ("ar", ("Arab", "EG")), ("ckb", ("Arab", "IQ")), ("he", ("Hebr", "IL")), ("yi", ("Hebr", "UA")),
    ("hi", ("Deva", "IN")), ("mr", ("Deva", "IN")), ("bn", ("Beng", "BD")), ("ta", ("Taml", "IN")),
    ("th", ("Thai", "TH")), ("ja", ("Jpan", "JP")), ("ko", ("Kore", "KR")), ("zh", ("Hans", "CN")),
    ("zh-Hans", ("Hans", None)), ("zh-Hant", ("Hant", None)), ("zh-TW", ("Hant", "TW")),
    ("zh-HK", ("Hant", "HK")), ("fr-CA", ("Latn", "CA")), ("xx", ("Latn", None)),
])
def test_the_script_of_a_language_comes_from_the_tag_or_cldr(language, script):
    assert scripts.script_of(language) == script


@pytest.mark.parametrize("language, sans, serif, slot", [
    ("en", "Noto Sans", "Noto Serif", "latin"),
    ("ar", "Noto Sans Arabic", "Noto Naskh Arabic", "complex"),  # Noto's serif Arabic is Naskh
    ("ur", "Noto Sans Arabic", "Noto Naskh Arabic", "complex"),
    ("he", "Noto Sans Hebrew", "Noto Serif Hebrew", "complex"),
    ("mr", "Noto Sans Devanagari", "Noto Serif Devanagari", "complex"),
    ("ja", "Noto Sans CJK JP", "Noto Serif CJK JP", "east_asian"),
    ("zh-TW", "Noto Sans CJK TC", "Noto Serif CJK TC", "east_asian"),
    ("zh-HK", "Noto Sans CJK HK", "Noto Serif CJK HK", "east_asian"),
    ("zh", "Noto Sans CJK SC", "Noto Serif CJK SC", "east_asian"),
    ("sw", "Noto Sans", "Noto Serif", "latin"),
])
def test_one_table_of_fonts_per_script(language, sans, serif, slot):
    fonts = scripts.fonts_for(language)
    assert (fonts.sans, fonts.serif, fonts.slot) == (sans, serif, slot)


def test_the_fact_sheets_families_come_from_the_table():
    japanese, arabic, english = (scripts.fact_sheet_fonts(tag) for tag in ("ja", "ar", "en"))
    assert japanese["cjk"] == "Noto Sans CJK JP" and english["cjk"] == arabic["cjk"] == "Noto Sans CJK SC"
    assert english["scripts"] == ["Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari",
                                  "Noto Sans Bengali", "Noto Sans Tamil", "Noto Sans Thai", "DejaVu Sans"]
    assert japanese["set_as_written"] and arabic["set_as_written"] and not english["set_as_written"]


def test_the_fact_sheets_stylesheet_and_the_word_styles_name_the_tables_families(env):
    """The theme's CSS is rendered with the table's families; the Word report's styles carry the same ones."""
    from docx.oxml.ns import qn

    from dossier.formats.docx.language import set_language
    from dossier.formats.docx.reference import open_reference
    from dossier.formats.pdf.factsheet import STYLESHEET, css_fonts
    from dossier.templating import default_theme_folder, render_template

    css = render_template(env, STYLESHEET, {"fonts": css_fonts("ko")})
    assert '--cjk: "Noto Sans CJK KR";' in css and ":root *, [dir=rtl]" in css and "CJK SC" not in css
    reference = default_theme_folder() / "reference.docx"
    for language, slot in (("ko", "w:eastAsia"), ("he", "w:cs")):
        word = open_reference(("reference.docx", reference.read_bytes()))
        set_language(word, language, rtl=language == "he")
        styles = word.styles.element
        fonts = [style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}") for style in styles.findall(qn("w:style"))]
        fonts.append(styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}"))
        named = {element.get(qn(slot)) for element in fonts if element is not None} - {None}
        assert named == {scripts.fonts_for(language).sans, scripts.fonts_for(language).serif}
