"""A brand (dossier.brand.Brand) in the Word report: its colours and families in the styles, its logo in the header.

Colours and families go into the style definitions, never onto runs, so an editor can still
restyle the report from the Styles pane: the title and headings in the brand's headings
family and colour (else its primary colour), everything else that names a font in its
base family, the text in its foreground colour (in the document defaults), links in its link colour (else
primary), the table header row shaded in primary. Only the theme's reference document is
branded: a --reference-docx is the user's own styling, and wins. Families are named, not
embedded: a machine without the brand's font shows a substitute.

The logo goes at the start of the header whatever the reference (an SVG drawn as a PNG,
as the fact sheet draws it), about 1 cm high, with the Document's `logo_alt` as its
description.
"""

from __future__ import annotations

from .ooxml import child, picture, text_run

HEADING_NAMES = {"title", "toc heading", *(f"heading {level}" for level in range(1, 10))}
MONOSPACE = ("mono", "courier", "consol", "code")  # a font name with these keeps its family: code stays code
# w:rPr children that come after w:color, in the schema's order.
_AFTER_COLOR = ("w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
                "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
                "w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_BOLD = ("w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike", "w:dstrike", "w:outline", "w:shadow",
               "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden", "w:color",
               *_AFTER_COLOR)
_AFTER_SHADING = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_AFTER_STYLE_RPR = ("w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr")
LOGO_HEIGHT = 360_000  # EMU: 1 cm
LOGO_MAX_WIDTH = 1 / 3  # of the text width: a wide logo gets lower, not wider
READABLE = 4.5  # WCAG 2 AA: white header text on the primary colour, else dark text on a tint of it
TINT = 0.15  # the share of the primary colour in the header row's pale shading
GAP = "\u2003"  # an em space between the logo and the header's text


def brand_styles(word, brand) -> None:
    """Write the brand's colours and families into the reference's styles (see the module's docstring)."""
    from docx.oxml.ns import qn

    from .reference import TABLE_STYLE

    styles = word.styles.element
    headings = _heading_style_ids(styles)
    heading_color = brand.headings_color or brand.primary
    link_color = brand.link_color or brand.primary
    defaults = child(child(child(styles, "w:docDefaults", index=0), "w:rPrDefault", index=0), "w:rPr")
    _set_family(defaults, brand.base_family, create=True)
    # The text colour goes in the document defaults, not in Normal: a table style's header colour
    # ranks above the defaults but below every paragraph style, and would lose to Normal's.
    _set_color(defaults, brand.colors.get("foreground"))
    for style in styles.findall(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        if style_id in headings:
            properties = child(style, "w:rPr", before=_AFTER_STYLE_RPR)
            _set_family(properties, brand.headings_family, create=True)
            _set_color(properties, heading_color)
            continue
        if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true", "on"):
            properties = child(style, "w:rPr", before=_AFTER_STYLE_RPR)  # Normal: the body text
            _set_family(properties, brand.base_family, create=True)
        for properties in style.iter(qn("w:rPr")):  # the style's own, and its table regions'
            _set_family(properties, brand.base_family, create=False)
    hyperlink = styles.get_by_id("Hyperlink")
    if hyperlink is not None:
        _set_color(child(hyperlink, "w:rPr", before=_AFTER_STYLE_RPR), link_color)
    table = next((s for s in styles.findall(qn("w:style")) if s.name_val == TABLE_STYLE), None)
    if table is not None and brand.primary:
        _brand_table(table, brand.primary, brand.colors.get("foreground"))


def _heading_style_ids(styles) -> set[str]:
    """The title's and headings' paragraph styles, with the character styles linked to them."""
    from docx.oxml.ns import qn

    found = set()
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:type")) == "paragraph" and (style.name_val or "").lower() in HEADING_NAMES:
            found.add(style.get(qn("w:styleId")))
            link = style.find(qn("w:link"))
            if link is not None:
                found.add(link.get(qn("w:val")))
    return found


def _set_family(properties, family: str | None, create: bool) -> None:
    """The Latin slots (w:ascii, w:hAnsi) of a w:rPr's fonts; East Asian and complex-script slots stay
    (language.py sets them). Only where fonts are named, unless `create`."""
    from docx.oxml.ns import qn

    if not family:
        return
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        if not create:
            return
        fonts = child(properties, "w:rFonts", before=("w:b", "w:bCs", *_AFTER_BOLD))
    elif not (fonts.get(qn("w:ascii")) or fonts.get(qn("w:asciiTheme"))):
        if not create:
            return
    elif any(word in (fonts.get(qn("w:ascii")) or "").lower() for word in MONOSPACE):
        return
    for theme in ("w:asciiTheme", "w:hAnsiTheme"):  # a theme font would win over the name
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), family)
    fonts.set(qn("w:hAnsi"), family)


def _set_color(properties, color: str | None) -> None:
    from docx.oxml.ns import qn

    if not color:
        return
    element = child(properties, "w:color", before=_AFTER_COLOR)
    for key in list(element.attrib):
        if key.startswith(qn("w:theme")):  # w:themeColor, w:themeShade, w:themeTint would win
            del element.attrib[key]
    element.set(qn("w:val"), _hex(color))


def _brand_table(style, primary: str, foreground: str | None) -> None:
    """The table's rules in the primary colour; its header row shaded in it, with white bold text, or
    pale with dark text when white would not read on it."""
    from docx.oxml.ns import qn

    from ...brand import contrast

    for border in style.iter(*(qn(f"w:{side}") for side in ("top", "bottom"))):
        if border.getparent().tag in (qn("w:tblBorders"), qn("w:tcBorders")) and border.get(qn("w:color")) not in (
                None, "auto"):
            border.set(qn("w:color"), _hex(primary))
    region = next((r for r in style.findall(qn("w:tblStylePr")) if r.get(qn("w:type")) == "firstRow"), None)
    if region is None:
        region = child(style, "w:tblStylePr")
        region.set(qn("w:type"), "firstRow")
    if contrast(primary) >= READABLE:
        fill, text = primary, "#ffffff"
    else:
        fill = _tint(primary, TINT)
        text = foreground if foreground and contrast(foreground, fill) >= READABLE else "#000000"
    properties = child(region, "w:rPr", before=("w:tblPr", "w:trPr", "w:tcPr"))
    child(properties, "w:b", before=("w:bCs", *_AFTER_BOLD))
    child(properties, "w:bCs", before=_AFTER_BOLD)
    _set_color(properties, text)
    cell = child(region, "w:tcPr")
    shading = child(cell, "w:shd", before=_AFTER_SHADING)
    for key in list(shading.attrib):
        del shading.attrib[key]
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), _hex(fill))


def _hex(color: str) -> str:
    """'#0b6e6e' or '#0b6' → '0B6E6E', as WordprocessingML writes colours."""
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return value.upper()


def _tint(color: str, share: float) -> str:
    """`color` mixed with white, `share` of it."""
    value = _hex(color)
    channels = [round(int(value[i:i + 2], 16) * share + 255 * (1 - share)) for i in (0, 2, 4)]
    return "#" + "".join(f"{c:02x}" for c in channels)


def add_logo(word, logo, alt: str, text_width: int) -> None:
    """The logo at the start of the header's first paragraph, 1 cm high (lower if it would be wider
    than a third of the text width, `text_width` in EMU), an em space between it and the header's text."""
    from ..pdf.pictures import logo_png

    data = logo_png(logo)
    header = word.sections[0].header
    if header.is_linked_to_previous:  # no header of the reference's or ours: one for the logo
        header.is_linked_to_previous = False
    paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    had_text = bool(paragraph.text.strip())
    run = paragraph.add_run()
    picture(run, data, logo.filename, alt, height=LOGO_HEIGHT, max_width=round(text_width * LOGO_MAX_WIDTH))
    p = paragraph._p
    index = 1 if p.pPr is not None else 0
    p.insert(index, run._r)  # moves the run to the start
    if had_text:
        p.insert(index + 1, text_run(GAP))
