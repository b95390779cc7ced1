"""Words and dates in the profile's language: catalogues with fallback, overrides, Babel dates and digits."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml

from dossier import i18n
from dossier.errors import TemplateError
from dossier.templating import default_theme_folder

LANGUAGES = ["en", "fr", "es", "pt", "de", "it", "nl", "pl", "ru", "uk", "tr", "ar", "he", "fa", "ur", "hi", "bn",
             "ta", "zh-Hans", "zh-Hant", "ja", "ko", "vi", "id", "sw", "yo"]


def catalogue(tag: str) -> dict:
    return yaml.safe_load((default_theme_folder() / "messages" / f"{tag}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("tag", LANGUAGES)
def test_every_shipped_language_has_every_word_with_its_placeholders(tag):
    english, words = catalogue("en"), catalogue(tag)
    assert list(words) == list(english)
    for key, text in english.items():
        if isinstance(text, str):
            assert i18n.placeholders(words[key]) == i18n.placeholders(text), key
    found, warnings = i18n.words_for(tag, [default_theme_folder()])
    assert warnings == []


def test_lookup_falls_back_by_tag():
    assert i18n.fallback_chain("fr-CA") == ["fr-CA", "fr", "en"]
    assert i18n.fallback_chain("zh-Hant-TW") == ["zh-Hant-TW", "zh-Hant", "zh", "en"]
    assert i18n.fallback_chain("zh-TW") == ["zh-TW", "zh-Hant", "zh", "en"]  # the script CLDR finds likely
    assert i18n.fallback_chain("zh") == ["zh-Hans", "zh", "en"]
    words, warnings = i18n.words_for("fr-CA", [default_theme_folder()])
    assert words["summary"] == catalogue("fr")["summary"] and warnings == []


def test_a_theme_overrides_a_word_and_adds_a_language(tmp_path):
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "fr.yaml").write_text("summary: En deux mots\n", encoding="utf-8")
    (tmp_path / "messages" / "eo.yaml").write_text("summary: Resumo\n", encoding="utf-8")
    words, _warnings = i18n.words_for("fr", [tmp_path, default_theme_folder()])
    assert words["summary"] == "En deux mots" and words["kicker"] == catalogue("fr")["kicker"]
    words, warnings = i18n.words_for("eo", [tmp_path, default_theme_folder()])
    assert words["summary"] == "Resumo" and words["kicker"] == "Fact sheet"
    assert "no 'eo' translation of the theme's word 'kicker' (messages/eo.yaml or a parent); English used: " \
           "'Fact sheet'" in warnings


@pytest.mark.parametrize("tag", ["en", "en-GB", "en-US"])
def test_english_variants_need_no_catalogue_of_their_own(tag):
    words, warnings = i18n.words_for(tag, [default_theme_folder()])
    assert words["summary"] == "Summary" and warnings == []


def test_a_language_without_a_catalogue_is_one_warning():
    words, warnings = i18n.words_for("xh", [default_theme_folder()])
    assert words["summary"] == "Summary"
    assert warnings == ["no message catalogue for language 'xh' (messages/xh.yaml); the theme's words are printed "
                        "in English"]


def test_labels_override_any_word_and_unknown_ones_are_named():
    words, warnings = i18n.words_for("en", [default_theme_folder()], {"summary": "In brief", "summmary": "x"})
    assert words["summary"] == "In brief"
    assert len(warnings) == 1 and warnings[0].startswith("labels.summmary: the theme has no word 'summmary'")


def test_a_broken_catalogue_is_a_template_error(tmp_path):
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "fr.yaml").write_text("- a list\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"fr\.yaml: a message catalogue is a mapping of words by key"):
        i18n.words_for("fr", [tmp_path, default_theme_folder()])


@pytest.mark.parametrize("language, as_of, expected", [
    ("fr", "2025-09-15", "15 septembre 2025"),
    ("de", "2025-09-15", "15. September 2025"),
    ("ja", "2025-09-15", "2025年9月15日"),
    ("zh-Hant", "2025-09", "2025年9月"),
    ("en", "2026-04", "April 2026"),
    ("fa", "2025-09-15", "۱۵ سپتامبر ۲۰۲۵"),  # CLDR gives Persian its own digits
    ("bn", "2025-09", "সেপ্টেম্বর ২০২৫"),
    ("ar", "2025-09-15", "15 سبتمبر 2025"),  # and Arabic (ar) the Western ones
    ("fr-CA", "2025-09-15", "15 septembre 2025"),
])
def test_dates_are_written_by_cldr(language, as_of, expected):
    assert i18n.format_as_of(as_of, language) == expected


# ------------------------------------------------------------ written dates in every catalogue language

_CATALOGUE_LANGUAGES = sorted(path.stem for path in (Path(__file__).resolve().parent.parent / "templates" /
                                                     "messages").glob("*.yaml"))
_DAYS = [datetime.date(2022, 11, 17), datetime.date(2019, 3, 5), datetime.date(2020, 2, 29),
         datetime.date(2021, 5, 31), datetime.date(1999, 12, 1)]


@pytest.mark.parametrize("language", _CATALOGUE_LANGUAGES)
def test_every_date_babel_writes_in_a_language_reads_back_in_it(language):
    from babel.dates import format_date

    from dossier.i18n import format_as_of, locale_for, parse_written_date

    assert len(_CATALOGUE_LANGUAGES) == 27
    for day in _DAYS:
        for width in ("full", "long", "medium"):
            written = format_date(day, width, locale=locale_for(language))
            assert parse_written_date(written, language) == day.isoformat(), (width, written)
        for iso in (day.isoformat(), day.isoformat()[:7]):  # as the outputs print as_of, in the language's digits
            assert parse_written_date(format_as_of(iso, language), language) == iso


@pytest.mark.parametrize("text, language, expected", [
    ("17 नवंबर 2022", "hi", "2022-11-17"),  # a vowel sign is part of its word
    ("November 17, 2022", "fr", "2022-11-17"),  # still written in English: English is the fallback
    ("17 novembre 2022", "fr", "2022-11-17"),
    ("١٧ نوفمبر ٢٠٢٢", "ar", "2022-11-17"),  # in Arabic-Indic digits
    ("17. November 2022", "de", "2022-11-17"),
    ("32 November 2022", "en", None),
    ("November 2022 and more", "en", None),
    ("2019年3月", "ja", "2019-03"),
])
def test_written_dates_people_type(text, language, expected):
    from dossier.i18n import parse_written_date

    assert parse_written_date(text, language) == expected


def test_a_refused_date_fact_gives_examples_in_the_profile_s_language(tmp_path):
    from dossier.content import load_profile
    from dossier.errors import ContentError

    text = (Path(__file__).resolve().parent / "fixtures" / "aurora" / "aurora.yaml").read_text(encoding="utf-8")
    text = text.replace("language: en", "language: fr").replace("value: March 2019", "value: au printemps 2019")
    text = text.replace("key_figures:", "timeline:\n  - date: \"[[founded]]\"\n    label: Fondation\nkey_figures:")
    path = tmp_path / "fr.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_profile(path)
    assert "such as '17 novembre 2022' or 'mai 2021'" in caught.value.message
