"""Build templates/reference.docx, the Word report's default styles, from python-docx's own default template.

Usage: .venv/bin/python scripts/make_reference_docx.py [OUTPUT]   (default: templates/reference.docx)

The file is generated, never drawn by hand, so that nobody has to trust a binary of
unknown origin: python-docx's template, its body emptied (only the final w:sectPr
stays, as in any reference document), A4 with 2.5 cm margins, fonts that the
machines we build on have (Noto Serif for text, Noto Sans for headings), and every
style the writer uses. The output is deterministic: running this again gives the
same bytes. Headers and footers are left to the writer (or to a user's reference).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
from copy import deepcopy
from pathlib import Path

from dossier.scripts import LATIN  # the one table of fonts per script

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "templates" / "reference.docx"

TEXT_FONT = LATIN.serif  # other scripts' families are set per report, in their own slots (docx/language.py)
HEADING_FONT = LATIN.sans
INK = "1F3A5F"        # title, headings, table rules: one dark blue
ACCENT = "2E5C8A"     # second-level headings
MUTED = "595959"      # subtitle, header, footer, captions
RULE = "C5CFDA"       # light rules: under Heading 1, between table rows
LINK = "0563C1"       # Word's own hyperlink blue
HEADER_FILL = "E8EDF3"

# A4 in twentieths of a point, 2.5 cm margins, header and footer 1.25 cm from the edge.
PAGE = {"w": 11906, "h": 16838}
MARGIN, EDGE = 1418, 709
TEXT_WIDTH = PAGE["w"] - 2 * MARGIN

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # fixed: the file must not change per run


def fonts(name: str) -> str:
    return f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}"/>'


def size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


SANS = fonts(HEADING_FONT)
TOC_TABS = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>'
HEADER_TABS = f'<w:tabs><w:tab w:val="center" w:pos="{TEXT_WIDTH // 2}"/><w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs>'

# Every style the writer uses, in WordprocessingML (children in schema order). Names are
# Word's built-in internal names ("heading 1", "toc 1"), so Word treats them as its own.
STYLES = f"""
<w:style w:type="paragraph" w:default="1" w:styleId="Normal">
  <w:name w:val="Normal"/><w:qFormat/>
</w:style>
<w:style w:type="paragraph" w:styleId="BodyText">
  <w:name w:val="Body Text"/><w:basedOn w:val="Normal"/><w:link w:val="BodyTextChar"/>
  <w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="160" w:line="288" w:lineRule="auto"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="Title">
  <w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Subtitle"/><w:link w:val="TitleChar"/>
  <w:uiPriority w:val="10"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:spacing w:before="0" w:after="80" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr>{SANS}<w:b/><w:bCs/><w:color w:val="{INK}"/><w:kern w:val="28"/>{size(56)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="Subtitle">
  <w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:link w:val="SubtitleChar"/>
  <w:uiPriority w:val="11"/><w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="240" w:line="264" w:lineRule="auto"/></w:pPr>
  <w:rPr>{SANS}<w:color w:val="{MUTED}"/>{size(26)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="Heading1">
  <w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:link w:val="Heading1Char"/>
  <w:uiPriority w:val="9"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:keepLines/>
    <w:pBdr><w:bottom w:val="single" w:sz="4" w:space="2" w:color="{RULE}"/></w:pBdr>
    <w:spacing w:before="360" w:after="120" w:line="240" w:lineRule="auto"/><w:outlineLvl w:val="0"/></w:pPr>
  <w:rPr>{SANS}<w:b/><w:bCs/><w:color w:val="{INK}"/>{size(30)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="Heading2">
  <w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:link w:val="Heading2Char"/>
  <w:uiPriority w:val="9"/><w:unhideWhenUsed/><w:qFormat/>
  <w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="240" w:after="80" w:line="240" w:lineRule="auto"/>
    <w:outlineLvl w:val="1"/></w:pPr>
  <w:rPr>{SANS}<w:b/><w:bCs/><w:color w:val="{ACCENT}"/>{size(24)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="Heading3">
  <w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:link w:val="Heading3Char"/>
  <w:uiPriority w:val="9"/><w:unhideWhenUsed/><w:qFormat/>
  <w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="200" w:after="60" w:line="240" w:lineRule="auto"/>
    <w:outlineLvl w:val="2"/></w:pPr>
  <w:rPr>{SANS}<w:b/><w:bCs/><w:i/><w:iCs/><w:color w:val="{ACCENT}"/>{size(21)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="ListBullet">
  <w:name w:val="List Bullet"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:numPr><w:numId w:val="1"/></w:numPr><w:spacing w:before="0" w:after="80" w:line="276" w:lineRule="auto"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="ListBullet2">
  <w:name w:val="List Bullet 2"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:numPr><w:numId w:val="2"/></w:numPr><w:spacing w:before="0" w:after="60" w:line="276" w:lineRule="auto"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="ListBullet3">
  <w:name w:val="List Bullet 3"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:numPr><w:numId w:val="3"/></w:numPr><w:spacing w:before="0" w:after="60" w:line="276" w:lineRule="auto"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="ListNumber">
  <w:name w:val="List Number"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:numPr><w:numId w:val="5"/></w:numPr><w:spacing w:before="0" w:after="80" w:line="276" w:lineRule="auto"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="ListNumber2">
  <w:name w:val="List Number 2"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:numPr><w:numId w:val="6"/></w:numPr><w:spacing w:before="0" w:after="60" w:line="276" w:lineRule="auto"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="ListNumber3">
  <w:name w:val="List Number 3"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:numPr><w:numId w:val="7"/></w:numPr><w:spacing w:before="0" w:after="60" w:line="276" w:lineRule="auto"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="ListContinue">
  <w:name w:val="List Continue"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:spacing w:before="0" w:after="80" w:line="276" w:lineRule="auto"/><w:ind w:left="360"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="ListContinue2">
  <w:name w:val="List Continue 2"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:spacing w:before="0" w:after="60" w:line="276" w:lineRule="auto"/><w:ind w:left="720"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="ListContinue3">
  <w:name w:val="List Continue 3"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:spacing w:before="0" w:after="60" w:line="276" w:lineRule="auto"/><w:ind w:left="1080"/></w:pPr>
</w:style>
<w:style w:type="paragraph" w:styleId="Quote">
  <w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:link w:val="QuoteChar"/>
  <w:uiPriority w:val="29"/><w:qFormat/>
  <w:pPr><w:pBdr><w:left w:val="single" w:sz="12" w:space="8" w:color="{RULE}"/></w:pBdr>
    <w:spacing w:before="120" w:after="160" w:line="288" w:lineRule="auto"/><w:ind w:left="567" w:right="567"/></w:pPr>
  <w:rPr><w:i/><w:iCs/><w:color w:val="404040"/></w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="Caption">
  <w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/>
  <w:uiPriority w:val="35"/><w:unhideWhenUsed/><w:qFormat/>
  <w:pPr><w:spacing w:before="60" w:after="200" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr>{SANS}<w:i/><w:iCs/><w:color w:val="{MUTED}"/>{size(17)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="TableText">
  <w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:qFormat/>
  <w:pPr><w:spacing w:before="50" w:after="50" w:line="252" w:lineRule="auto"/></w:pPr>
  <w:rPr>{size(20)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="TOCHeading">
  <w:name w:val="TOC Heading"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/>
  <w:uiPriority w:val="39"/><w:unhideWhenUsed/><w:qFormat/>
  <w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="240" w:after="120" w:line="240" w:lineRule="auto"/>
    <w:outlineLvl w:val="9"/></w:pPr>
  <w:rPr>{SANS}<w:b/><w:bCs/><w:color w:val="{INK}"/>{size(26)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="TOC1">
  <w:name w:val="toc 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/>
  <w:pPr>{TOC_TABS}<w:spacing w:before="60" w:after="40" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr>{SANS}{size(20)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="TOC2">
  <w:name w:val="toc 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/>
  <w:pPr>{TOC_TABS}<w:spacing w:before="0" w:after="40" w:line="240" w:lineRule="auto"/><w:ind w:left="284"/></w:pPr>
  <w:rPr>{size(20)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="Header">
  <w:name w:val="header"/><w:basedOn w:val="Normal"/><w:link w:val="HeaderChar"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:pBdr><w:bottom w:val="single" w:sz="4" w:space="4" w:color="{RULE}"/></w:pBdr>{HEADER_TABS}
    <w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr>{SANS}<w:color w:val="{MUTED}"/>{size(17)}</w:rPr>
</w:style>
<w:style w:type="paragraph" w:styleId="Footer">
  <w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:link w:val="FooterChar"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr>{HEADER_TABS}<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="center"/></w:pPr>
  <w:rPr>{SANS}<w:color w:val="{MUTED}"/>{size(17)}</w:rPr>
</w:style>
<w:style w:type="character" w:styleId="Hyperlink">
  <w:name w:val="Hyperlink"/><w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:rPr><w:color w:val="{LINK}"/><w:u w:val="single"/></w:rPr>
</w:style>
<w:style w:type="table" w:styleId="ReportTable">
  <w:name w:val="Report Table"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:tblPr>
    <w:tblInd w:w="0" w:type="dxa"/>
    <w:tblBorders>
      <w:top w:val="single" w:sz="8" w:space="0" w:color="{INK}"/>
      <w:bottom w:val="single" w:sz="8" w:space="0" w:color="{INK}"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="28" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>
      <w:bottom w:w="28" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr>{SANS}<w:b/><w:bCs/><w:color w:val="{INK}"/></w:rPr>
    <w:tblPr/>
    <w:trPr><w:tblHeader/></w:trPr>
    <w:tcPr>
      <w:tcBorders><w:bottom w:val="single" w:sz="8" w:space="0" w:color="{INK}"/></w:tcBorders>
      <w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/>
    </w:tcPr>
  </w:tblStylePr>
</w:style>
"""

DOC_DEFAULTS = f"""
<w:docDefaults>
  <w:rPrDefault><w:rPr>{fonts(TEXT_FONT)}{size(21)}<w:lang w:val="en-US" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>
  <w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault>
</w:docDefaults>
"""

BULLET_LEVEL = f"""
<w:lvl>
  <w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>
  <w:pPr><w:tabs><w:tab w:val="num" w:pos="{{left}}"/></w:tabs><w:ind w:left="{{left}}" w:hanging="284"/></w:pPr>
  <w:rPr>{SANS.replace('/>', ' w:hint="default"/>')}</w:rPr>
</w:lvl>
"""
NUMBER_INDENT = '<w:pPr><w:tabs><w:tab w:val="num" w:pos="{left}"/></w:tabs><w:ind w:left="{left}" w:hanging="360"/></w:pPr>'


def build() -> bytes:
    """The reference document's bytes: the same on every run."""
    import docx

    document = docx.Document()
    _empty_body(document)
    _set_page(document)
    _set_styles(document)
    _set_list_levels(document)
    _set_theme_fonts(document)
    _drop_extras(document)
    _set_properties(document)
    out = io.BytesIO()
    document.save(out)
    sys.path.insert(0, str(ROOT))  # run from a checkout: the writer's zip normaliser lives in dossier
    from dossier.formats.docx.package import deterministic_zip

    return deterministic_zip(out.getvalue())


def _xml(fragment: str):
    from docx.oxml.parser import parse_xml

    return parse_xml(f'<w:root xmlns:w="{W}">{fragment}</w:root>')


def _empty_body(document) -> None:
    body = document.element.body
    for child in list(body)[:-1]:  # the last child is the section's w:sectPr
        body.remove(child)


def _set_page(document) -> None:
    from docx.shared import Twips

    section = document.sections[0]
    section.page_width, section.page_height = Twips(PAGE["w"]), Twips(PAGE["h"])
    section.top_margin = section.bottom_margin = Twips(MARGIN)
    section.left_margin = section.right_margin = Twips(MARGIN)
    section.header_distance = section.footer_distance = Twips(EDGE)


def _set_styles(document) -> None:
    """Replace or add each style of STYLES; keep linked character styles in step with their paragraph style."""
    root = document.styles.element
    root.replace(root.find(f"{{{W}}}docDefaults"), _xml(DOC_DEFAULTS)[0])
    existing = {style.get(f"{{{W}}}styleId"): style for style in root.findall(f"{{{W}}}style")}
    for style in _xml(STYLES):
        old = existing.get(style.get(f"{{{W}}}styleId"))
        if old is not None:
            old.addprevious(style)
            root.remove(old)
        else:
            root.append(style)
        existing[style.get(f"{{{W}}}styleId")] = style
    for style in list(existing.values()):
        _sync_linked_character_style(style, existing)
        _drop_theme_fonts(style)


def _sync_linked_character_style(style, existing) -> None:
    # Word applies "Heading 1 Char" when a heading's format is applied to part of a
    # paragraph: its run properties must be the paragraph style's.
    link = style.find(f"{{{W}}}link")
    if style.get(f"{{{W}}}type") != "paragraph" or link is None:
        return
    linked = existing.get(link.get(f"{{{W}}}val"))
    if linked is None:
        return
    for old in linked.findall(f"{{{W}}}rPr"):
        linked.remove(old)
    rpr = style.find(f"{{{W}}}rPr")
    if rpr is not None:
        linked.append(deepcopy(rpr))


def _drop_theme_fonts(style) -> None:
    # Styles that still name theme fonts (Heading 4-9, Intense Quote, the stock table
    # styles) get ours instead of Calibri/Cambria, which a Linux machine lacks; theme
    # colours give way to the plain value beside them, which every reader shows alike.
    for color in style.iter(f"{{{W}}}color", f"{{{W}}}shd", f"{{{W}}}top", f"{{{W}}}left", f"{{{W}}}bottom",
                            f"{{{W}}}right", f"{{{W}}}insideH", f"{{{W}}}insideV"):
        for key in list(color.attrib):
            if key.startswith(f"{{{W}}}theme"):
                del color.attrib[key]
    for rfonts in style.iter(f"{{{W}}}rFonts"):
        theme = rfonts.get(f"{{{W}}}asciiTheme", "")
        if theme:
            family = HEADING_FONT if theme.startswith("major") else TEXT_FONT
            for key in list(rfonts.attrib):
                if key.endswith("Theme") or key.endswith("theme"):
                    del rfonts.attrib[key]
            for key in ("ascii", "hAnsi", "eastAsia", "cs"):
                rfonts.set(f"{{{W}}}{key}", family)


def _set_list_levels(document) -> None:
    """Bullets as U+2022 in Noto Sans (the Symbol font is not on Linux); indents to suit 10.5 pt."""
    numbering = document.part.numbering_part.element
    for abstract in numbering.findall(f"{{{W}}}abstractNum"):
        level = abstract.find(f"{{{W}}}lvl")
        style = level.find(f"{{{W}}}pStyle")
        if style is None:
            continue  # python-docx's spare definitions, not tied to a list style
        depth = int(re.sub(r"\D", "", style.get(f"{{{W}}}val")) or 1)  # ListBullet2 → 2
        if level.find(f"{{{W}}}numFmt").get(f"{{{W}}}val") == "bullet":
            bullet = _xml(BULLET_LEVEL.replace("{left}", str(284 * depth)))[0]
            bullet.set(f"{{{W}}}ilvl", "0")
            bullet.insert(2, deepcopy(style))  # w:pStyle comes after w:numFmt, before w:lvlText
            level.addprevious(bullet)
            abstract.remove(level)
        else:
            level.replace(level.find(f"{{{W}}}pPr"), _xml(NUMBER_INDENT.replace("{left}", str(360 * depth)))[0])


def _set_theme_fonts(document) -> None:
    # Word's "+Headings"/"+Body" fonts: the theme, made to agree with the styles.
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = document.part.part_related_by(RT.THEME)
    xml = theme.blob.decode("utf-8")
    xml = re.sub(r'(<a:majorFont>\s*<a:latin typeface=")[^"]*', rf"\g<1>{HEADING_FONT}", xml)
    xml = re.sub(r'(<a:minorFont>\s*<a:latin typeface=")[^"]*', rf"\g<1>{TEXT_FONT}", xml)
    theme._blob = xml.encode("utf-8")


def _drop_extras(document) -> None:
    """Drop the thumbnail of an empty Word page, Word 2010's second copy of the styles, and the custom XML
    (bibliography sources) python-docx's template carries: a reference carries only what reports are made
    from (dossier/formats/docx/sanitize.py would remove the rest from every report)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rel_id)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/customXml")):
            document.part.rels.pop(rel_id)


def _set_properties(document) -> None:
    props = document.core_properties
    props.title = "dossier reference document"
    props.subject = "Styles, page setup, header and footer of dossier's Word report"
    props.author = props.last_modified_by = "dossier"
    props.comments = "Generated by scripts/make_reference_docx.py from python-docx's default template."
    props.keywords = props.category = props.content_status = props.identifier = props.version = ""
    props.language = "en-US"
    props.created = props.modified = props.last_printed = DOCUMENT_DATE
    props.revision = 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(DEFAULT_OUTPUT), help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    Path(args.output).write_bytes(build())
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
