"""The Word report's language, scripts and direction: w:lang, East Asian and complex-script fonts, right to left.

Word keeps three font slots and three languages per run: Latin (w:ascii/w:val), East
Asian (w:eastAsia) and complex scripts such as Arabic, Hebrew and the Indic scripts
(w:cs/w:bidi). They are set once, in the document defaults and in every style that
names fonts, so that Word and LibreOffice pick the right font and spell-checker and
editors can still restyle. A right-to-left language also turns paragraphs (w:bidi),
tables (w:bidiVisual) and each run of right-to-left text (w:rtl) around.
"""

from __future__ import annotations

from ...scripts import fonts_for, holds_right_to_left
from .ooxml import W_NS, child

# Each rPr child that may follow w:rtl, in the schema's order (w:rtl must come before these).
_AFTER_RTL = ("w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
               "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
               "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def set_language(word, language: str, rtl: bool) -> None:
    """Languages, fonts and direction on the document defaults and every style that names fonts."""
    from docx.oxml.ns import qn

    styles = word.styles.element
    defaults = child(styles, "w:docDefaults", index=0)
    run_defaults = child(child(defaults, "w:rPrDefault", index=0), "w:rPr")
    script = fonts_for(language)  # scripts.py's table: the fonts and the Word slot of the language's script
    east_asian, complex_script = script.slot == "east_asian", script.slot == "complex"
    for r_pr in [run_defaults] + [style.find(qn("w:rPr")) for style in styles.findall(qn("w:style"))]:
        if r_pr is None:
            continue
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is not None and script.slot != "latin":
            _set_script_fonts(fonts, script)
        lang = r_pr.find(qn("w:lang"))
        if r_pr is run_defaults and lang is None:
            lang = child(r_pr, "w:lang", before=("w:eastAsianLayout", "w:specVanish", "w:oMath"))
        if lang is not None:
            lang.set(qn("w:val"), language)
            if east_asian:
                lang.set(qn("w:eastAsia"), language)
            if complex_script:
                lang.set(qn("w:bidi"), language)
    if rtl:
        paragraph_defaults = child(child(defaults, "w:pPrDefault"), "w:pPr")
        child(paragraph_defaults, "w:bidi", before=_AFTER_BIDI)


def _set_script_fonts(fonts, script) -> None:
    """The script's family in its slot (w:eastAsia or w:cs), serif where the style's Latin font is."""
    from docx.oxml.ns import qn

    for theme in ("w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(theme)) is not None:  # a theme font would win over the name we set
            del fonts.attrib[qn(theme)]
    family = script.family(serif="Serif" in (fonts.get(qn("w:ascii")) or ""))
    if script.slot == "east_asian":
        fonts.set(qn("w:eastAsia"), family)
        fonts.set(qn("w:hint"), "eastAsia")
    else:
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
        if holds_right_to_left(text):
            child(child(run, "w:rPr", index=0), "w:rtl", before=_AFTER_RTL)
    for table in root.iter(f"{{{W_NS}}}tbl"):
        properties = table.find(qn("w:tblPr"))
        if properties is not None:
            child(properties, "w:bidiVisual", before=("w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW",
                                                       "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
                                                       "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                                       "w:tblCaption", "w:tblDescription"))
