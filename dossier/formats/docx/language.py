"""The Word report's language, scripts and direction: w:lang, East Asian and complex-script fonts, right to left.

Word keeps three font slots and three languages per run: Latin (w:ascii/w:val), East
Asian (w:eastAsia) and complex scripts such as Arabic, Hebrew and the Indic scripts
(w:cs/w:bidi). They are set once, in the document defaults and in every style that
names fonts, so that Word and LibreOffice pick the right font and spell-checker and
editors can still restyle. A right-to-left language also turns paragraphs (w:bidi),
tables (w:bidiVisual) and each run of right-to-left text (w:rtl) around.
"""

from __future__ import annotations

import unicodedata

from .ooxml import W_NS, child

# The family for each slot by the script the language is written in, serif where the style is serif.
EAST_ASIAN = {"ja": "JP", "ko": "KR", "zh-Hant": "TC", "zh-TW": "TC", "zh-HK": "HK", "zh-MO": "TC", "zh": "SC"}
COMPLEX = {"ar": "Arabic", "fa": "Arabic", "ur": "Arabic", "ps": "Arabic", "ckb": "Arabic", "sd": "Arabic",
           "ug": "Arabic", "he": "Hebrew", "yi": "Hebrew", "hi": "Devanagari", "mr": "Devanagari",
           "ne": "Devanagari", "sa": "Devanagari", "bn": "Bengali", "as": "Bengali", "ta": "Tamil", "th": "Thai"}
# Each rPr child that may follow w:rtl, in the schema's order (w:rtl must come before these).
_AFTER_RTL = ("w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
               "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
               "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def east_asian_variant(language: str) -> str | None:
    """'ja' → 'JP', 'zh-Hant' → 'TC', 'zh-Hans' → 'SC'; None for a language not written in CJK."""
    parts = language.split("-")
    for end in range(len(parts), 0, -1):
        if "-".join(parts[:end]) in EAST_ASIAN:
            return EAST_ASIAN["-".join(parts[:end])]
    return None


def complex_script(language: str) -> str | None:
    return COMPLEX.get(language.split("-")[0].lower())


def set_language(document, language: str, rtl: bool) -> None:
    """Languages, fonts and direction on the document defaults and every style that names fonts."""
    from docx.oxml.ns import qn

    styles = document.styles.element
    defaults = child(styles, "w:docDefaults", index=0)
    run_defaults = child(child(defaults, "w:rPrDefault", index=0), "w:rPr")
    variant, script = east_asian_variant(language), complex_script(language)
    for r_pr in [run_defaults] + [style.find(qn("w:rPr")) for style in styles.findall(qn("w:style"))]:
        if r_pr is None:
            continue
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is not None and (variant or script):
            _set_script_fonts(fonts, variant, script)
        lang = r_pr.find(qn("w:lang"))
        if r_pr is run_defaults and lang is None:
            lang = child(r_pr, "w:lang", before=("w:eastAsianLayout", "w:specVanish", "w:oMath"))
        if lang is not None:
            lang.set(qn("w:val"), language)
            if variant:
                lang.set(qn("w:eastAsia"), language)
            if script:
                lang.set(qn("w:bidi"), language)
    if rtl:
        paragraph_defaults = child(child(defaults, "w:pPrDefault"), "w:pPr")
        child(paragraph_defaults, "w:bidi", before=_AFTER_BIDI)


def _set_script_fonts(fonts, variant: str | None, script: str | None) -> None:
    from docx.oxml.ns import qn

    for slot, theme in (("w:eastAsia", "w:eastAsiaTheme"), ("w:cs", "w:cstheme")):
        if fonts.get(qn(theme)) is not None:  # a theme font would win over the name we set
            del fonts.attrib[qn(theme)]
    latin = fonts.get(qn("w:ascii")) or ""
    style = "Serif" if "Serif" in latin else "Sans"
    if variant:
        fonts.set(qn("w:eastAsia"), f"Noto {style} CJK {variant}")
        fonts.set(qn("w:hint"), "eastAsia")
    if script:
        # Noto has no Serif Arabic in the common packages: Naskh is its serif Arabic.
        family = "Noto Naskh Arabic" if (script, style) == ("Arabic", "Serif") else f"Noto {style} {script}"
        fonts.set(qn("w:cs"), family)


def mark_right_to_left(root, paragraphs: bool = False) -> None:
    """w:rtl on every run holding right-to-left letters, w:bidiVisual on every table of a part's XML root;
    with `paragraphs`, w:bidi on each paragraph too (LibreOffice does not apply the document default's
    w:bidi to headers and footers)."""
    from docx.oxml.ns import qn

    # child() returns the element when it is there and makes it, in schema order, when it is not.
    if paragraphs:
        for paragraph in root.iter(f"{{{W_NS}}}p"):
            child(child(paragraph, "w:pPr", index=0), "w:bidi", before=_AFTER_BIDI)
    for run in root.iter(f"{{{W_NS}}}r"):
        text = "".join(t.text or "" for t in run.iter(f"{{{W_NS}}}t"))
        if any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
            child(child(run, "w:rPr", index=0), "w:rtl", before=_AFTER_RTL)
    for table in root.iter(f"{{{W_NS}}}tbl"):
        properties = table.find(qn("w:tblPr"))
        if properties is not None:
            child(properties, "w:bidiVisual", before=("w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW",
                                                       "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
                                                       "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                                       "w:tblCaption", "w:tblDescription"))
