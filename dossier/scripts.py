"""Writing systems, decided in one place: the direction of a language and of a text, the script a language
is written in (CLDR), and the fonts each script is set in, one table that the fact sheet's stylesheet, the
Word report's styles and the pictures drawn like the fact sheet all read.

The families are the Noto fonts scripts/setup.sh installs (fonts-noto-core, fonts-noto-cjk).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

LTR, RTL = "ltr", "rtl"
RIGHT_TO_LEFT_CLASSES = frozenset({"R", "AL"})  # Unicode bidi classes of strong right-to-left characters


def char_direction(char: str) -> str | None:
    """'rtl' or 'ltr' for a strong character, None for a weak or neutral one (digits, spaces, punctuation)."""
    kind = unicodedata.bidirectional(char)
    return RTL if kind in RIGHT_TO_LEFT_CLASSES else LTR if kind == "L" else None


def text_direction(text: str) -> str:
    """'rtl' or 'ltr' by the first strong character (Unicode bidi rules P2 and P3), as dir="auto" means;
    'ltr' for a text without one. WeasyPrint ignores dir="auto": templates set dir with this instead."""
    for char in str(text):
        found = char_direction(char)
        if found:
            return found
    return LTR


def holds_right_to_left(text: str) -> bool:
    """Whether any character of `text` is strong right-to-left (Word marks such a run w:rtl)."""
    return any(char_direction(char) == RTL for char in text)


def mixes_directions(text: str) -> bool:
    """Whether `text` holds strong characters of both directions."""
    found = {char_direction(char) for char in text}
    return LTR in found and RTL in found


def language_direction(language: str) -> str:
    """'rtl' for languages written right to left (ar, he, fa, ur, …), else 'ltr', as CLDR says."""
    from .i18n import locale_for

    return RTL if locale_for(language).character_order == "right-to-left" else LTR


@lru_cache(maxsize=128)
def script_of(language: str) -> tuple[str, str | None]:
    """(the ISO 15924 script a BCP 47 tag is written in, its region if it names or implies one), from the
    tag's own script subtag, else CLDR's likely subtags: 'ar' → ('Arab', 'EG'), 'zh-HK' → ('Hant', 'HK'),
    'zh-Hans' → ('Hans', None), 'xx' → ('Latn', None)."""
    from babel.core import get_global

    parts = language.replace("_", "-").split("-")
    script = next((part.title() for part in parts[1:] if len(part) == 4 and part.isalpha()), None)
    region = next((part.upper() for part in parts[1:] if len(part) == 2 and part.isalpha()), None)
    likely = get_global("likely_subtags")
    base = parts[0].lower()
    for key in ([f"{base}_{script}"] if script else []) + ([f"{base}_{region}"] if region else []) + [base]:
        found = likely.get(key)
        if found and found.count("_") == 2:
            _language, likely_script, likely_region = found.split("_")
            return script or likely_script, region or (likely_region if not script else None)
    return script or "Latn", region


@dataclass(frozen=True)
class ScriptFonts:
    """The families a script is set in, and the Word font slot it takes (w:ascii, w:eastAsia or w:cs)."""

    sans: str
    serif: str
    slot: str  # "latin", "east_asian" or "complex"

    def family(self, serif: bool) -> str:
        return self.serif if serif else self.sans


LATIN = ScriptFonts("Noto Sans", "Noto Serif", "latin")
# Every script the theme sets, by its ISO 15924 code. A script not here is set in the Latin families,
# and in the fact sheet falls back to the families below in their order, then DejaVu.
FONTS: dict[str, ScriptFonts] = {
    "Latn": LATIN,
    "Arab": ScriptFonts("Noto Sans Arabic", "Noto Naskh Arabic", "complex"),  # Naskh: Noto's serif Arabic
    "Hebr": ScriptFonts("Noto Sans Hebrew", "Noto Serif Hebrew", "complex"),
    "Deva": ScriptFonts("Noto Sans Devanagari", "Noto Serif Devanagari", "complex"),
    "Beng": ScriptFonts("Noto Sans Bengali", "Noto Serif Bengali", "complex"),
    "Taml": ScriptFonts("Noto Sans Tamil", "Noto Serif Tamil", "complex"),
    "Thai": ScriptFonts("Noto Sans Thai", "Noto Serif Thai", "complex"),
    # Noto CJK draws each language's own glyph forms: Japanese is not to be drawn with Chinese forms.
    "Hans": ScriptFonts("Noto Sans CJK SC", "Noto Serif CJK SC", "east_asian"),
    "Hant": ScriptFonts("Noto Sans CJK TC", "Noto Serif CJK TC", "east_asian"),
    "Jpan": ScriptFonts("Noto Sans CJK JP", "Noto Serif CJK JP", "east_asian"),
    "Kore": ScriptFonts("Noto Sans CJK KR", "Noto Serif CJK KR", "east_asian"),
}
# Where a region writes a script with forms of its own.
REGIONAL_FONTS: dict[tuple[str, str], ScriptFonts] = {
    ("Hant", "HK"): ScriptFonts("Noto Sans CJK HK", "Noto Serif CJK HK", "east_asian"),
}
DEFAULT_CJK = "Hans"  # CJK text in a page of another language: Simplified Chinese forms
FALLBACK = "DejaVu Sans"  # after every script's family in the fact sheet (then the generic sans-serif)


def fonts_for(language: str) -> ScriptFonts:
    """The fonts of the script `language` is written in (the Latin ones for a script the table lacks)."""
    script, region = script_of(language)
    return REGIONAL_FONTS.get((script, region)) or FONTS.get(script, LATIN)


def set_as_written(language: str) -> bool:
    """Whether the language's script is set as written, without tracking or capitals: joined and syllabic
    scripts (spacing their letters apart breaks Arabic joining and Indic clusters) and CJK."""
    return fonts_for(language).slot != "latin"


def fact_sheet_fonts(language: str) -> dict[str, object]:
    """The families the fact sheet's stylesheet sets, for a page in `language`: `base` (the text's),
    `cjk` (the page's CJK forms), `scripts` (every complex script's, in the table's order, then DejaVu),
    and `set_as_written` (no letter spacing for the page)."""
    own = fonts_for(language)
    cjk = own if own.slot == "east_asian" else FONTS[DEFAULT_CJK]
    return {
        "base": LATIN.sans,
        "cjk": cjk.sans,
        "scripts": [fonts.sans for fonts in FONTS.values() if fonts.slot == "complex"] + [FALLBACK],
        "set_as_written": set_as_written(language),
    }
