"""The Word report: the rendered Markdown report as styled paragraphs on a reference document's styles.

The report is rendered once (report.md.j2); this writer converts that same text
(via the shared Markdown dialect) into python-docx paragraphs, so the Word and
Markdown reports cannot drift apart. Styles, page setup, header and footer come
from a reference document, as with pandoc's --reference-doc: templates/reference.docx
(made by scripts/make_reference_docx.py), a reference.docx in a --templates folder,
or --reference-docx FILE. All formatting comes from named styles; the writer adds a
table of contents that readers see without updating fields, a header and a footer.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..context import GENERATOR, anchor, attribution
from ..context import metadata as context_metadata
from ..errors import TemplateError
from ..markup import to_html
from ..templating import DEFAULT_TEMPLATES, template_folders
from . import markdown

NAME = "docx"
LABEL = "Word report"
FILENAME = "{slug}-report.docx"
REFERENCE = "reference.docx"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HEADINGS = {"h1": "Title", "h2": "Heading 1", "h3": "Heading 2", "h4": "Heading 3", "h5": "Heading 4",
            "h6": "Heading 5"}
TOC_LEVELS = {"h2": 1, "h3": 2}  # the contents list Heading 1 and Heading 2, as TOC \o "1-2" does
TOC_STYLES = {1: "toc 1", 2: "toc 2"}  # Word's internal names; its UI says "TOC 1"
TOC_INSTRUCTION = ' TOC \\o "1-2" \\h \\z \\u '
CONTENTS_TITLE = "Contents"
TABLE_STYLE = "Report Table"
CELL_STYLE = "Table Text"
# Every style the writer names; a reference lacking one gets it from the default reference.
STYLES_USED = (
    "Title", "Subtitle", *HEADINGS.values(), "Body Text", "Quote", "Hyperlink", "TOC Heading",
    *TOC_STYLES.values(), "Header", "Footer", TABLE_STYLE, CELL_STYLE,
    *(f"{kind}{suffix}" for kind in ("List Bullet", "List Number", "List Continue") for suffix in ("", " 2", " 3")),
)
LABEL_COLUMN = 0.3  # a two-column table is label + value: the label column narrow
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no build time in the file
TWIPS_PER_EMU = 1 / 635


def render(profile, env, options) -> bytes:
    """Render the Word report to DOCX bytes: the same bytes for the same content and reference."""
    import lxml.html

    report = markdown.render_report(profile, env)
    _front, body = markdown.split_front_matter(report)
    root = lxml.html.fragment_fromstring(to_html(body), create_parent="div")

    document = open_reference(reference_path(env, options))
    _ensure_styles(document)
    _set_language(document, profile.language)
    _BodyWriter(document, _outline(root)).write(root)
    _add_header_and_footer(document, profile.name)
    _set_properties(document, profile)
    return _save(document)


# --- the reference document -------------------------------------------------------------


def reference_path(env, options) -> Path:
    """--reference-docx if given, else the first reference.docx among the template folders."""
    if options.reference_docx is not None:
        return Path(options.reference_docx)
    folders = template_folders(env)
    for folder in folders:
        if (folder / REFERENCE).is_file():
            return folder / REFERENCE
    raise TemplateError(f"reference document {REFERENCE!r} not found in {', '.join(map(str, folders))} "
                        "(make the default one with scripts/make_reference_docx.py)")


def open_reference(path: Path):
    """The reference document with an empty body: its styles, page setup, header and footer stay."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateError(f"reference document {path} cannot be read as a Word document: {exc}") from None
    body = document.element.body
    section = body.get_or_add_sectPr()
    for child in list(body):
        if child is not section:
            body.remove(child)
    return document


def _ensure_styles(document) -> None:
    """Add the styles the writer uses that the reference lacks, from the default reference."""
    present = {style.name for style in document.styles}  # `in styles` walks every style each time
    missing = [name for name in STYLES_USED if name not in present]
    if not missing:
        return
    source = open_reference(DEFAULT_TEMPLATES / REFERENCE)
    for name in missing:
        _copy_style(document, source, source.styles[name].element)


def _copy_style(document, source, style) -> None:
    """Copy a style with the styles it rests on, and the list definition it numbers with."""
    from copy import deepcopy

    from docx.oxml.ns import qn

    target = document.styles.element
    present = {s.get(qn("w:styleId")) for s in target.findall(qn("w:style"))}
    if style.get(qn("w:styleId")) in present:
        return
    copy = deepcopy(style)
    target.append(copy)
    for tag in ("w:basedOn", "w:link", "w:next"):
        reference = copy.find(qn(tag))
        if reference is None or reference.get(qn("w:val")) in present:
            continue
        original = source.styles.element.get_by_id(reference.get(qn("w:val")))
        if original is None:
            copy.remove(reference)
        else:
            _copy_style(document, source, original)
    num_id = copy.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
    if num_id is not None:
        num_id.set(qn("w:val"), str(_copy_list_definition(document, source, int(num_id.get(qn("w:val"))))))


def _copy_list_definition(document, source, num_id: int) -> int:
    from copy import deepcopy

    from docx.oxml.ns import qn

    source_numbering = source.part.numbering_part.element
    abstract_id = source_numbering.num_having_numId(num_id).abstractNumId.val
    abstract = source_numbering.xpath(f"w:abstractNum[@w:abstractNumId='{abstract_id}']")[0]
    numbering = _numbering(document)
    existing = numbering.findall(qn("w:abstractNum"))
    new_id = max((int(a.get(qn("w:abstractNumId"))) for a in existing), default=-1) + 1
    copy = deepcopy(abstract)
    copy.set(qn("w:abstractNumId"), str(new_id))
    if existing:
        existing[-1].addnext(copy)
    else:  # abstract definitions come before every w:num
        numbering.insert(len(numbering.findall(qn("w:numPicBullet"))), copy)
    return numbering.add_num(new_id).numId


def _numbering(document):
    """The numbering part's root, created if the reference has none (python-docx cannot)."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.oxml.ns import nsdecls
    from docx.oxml.parser import parse_xml
    from docx.parts.numbering import NumberingPart

    try:
        return document.part.part_related_by(RT.NUMBERING).element
    except KeyError:
        part = NumberingPart(PackURI("/word/numbering.xml"), CT.WML_NUMBERING,
                             parse_xml(f"<w:numbering {nsdecls('w')}/>"), document.part.package)
        document.part.relate_to(part, RT.NUMBERING)
        return part.element


def _set_language(document, language: str) -> None:
    """Tag every run with the content's language once, in the document defaults (and Normal, if it says)."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn

    styles = document.styles.element
    defaults = _child(styles, "w:docDefaults", index=0)
    run_defaults = _child(_child(defaults, "w:rPrDefault", index=0), "w:rPr")
    _child(run_defaults, "w:lang", before=("w:eastAsianLayout", "w:specVanish", "w:oMath")).set(qn("w:val"), language)
    normal = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    normal_lang = normal.element.find(f"{qn('w:rPr')}/{qn('w:lang')}") if normal is not None else None
    if normal_lang is not None:
        normal_lang.set(qn("w:val"), language)


def _child(parent, tag: str, index: int | None = None, before: tuple[str, ...] = ()):
    """parent's child `tag`, created at `index`, or before the first of `before`, or last."""
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    found = parent.find(qn(tag))
    if found is not None:
        return found
    element = OxmlElement(tag)
    successor = next((e for e in parent if e.tag in {qn(t) for t in before}), None)
    if index is not None:
        parent.insert(index, element)
    elif successor is not None:
        successor.addprevious(element)
    else:
        parent.append(element)
    return element


# --- the body ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """A contents entry: a Heading 1 or 2, and the bookmark on it that the entry links to."""

    level: int
    text: str
    anchor: str  # as GitHub and our Markdown name it: "#key-figures" links work in both outputs
    bookmark: str


def _outline(root) -> list[_Entry]:
    entries: list[_Entry] = []
    seen: dict[str, int] = {}
    bookmarks: set[str] = set()
    for element in root:
        if element.tag not in TOC_LEVELS:
            continue
        text = " ".join(element.text_content().split())
        base = anchor(text) or "section"
        count = seen.get(base, 0)
        seen[base] = count + 1
        slug = base if count == 0 else f"{base}-{count}"
        entries.append(_Entry(TOC_LEVELS[element.tag], text, slug, _bookmark_name(slug, bookmarks)))
    return entries


def _bookmark_name(slug: str, taken: set[str]) -> str:
    # Word wants bookmark names that start with a letter and have at most 40 characters.
    name = (slug if slug[:1].isalpha() else f"h-{slug}")[:40]
    candidate, number = name, 1
    while candidate in taken:
        suffix = f"-{number}"
        candidate, number = name[: 40 - len(suffix)] + suffix, number + 1
    taken.add(candidate)
    return candidate


class _BodyWriter:
    """Walks the report's HTML blocks and writes styled paragraphs, lists, tables and the contents."""

    def __init__(self, document, outline: list[_Entry]):
        self.document = document
        self.outline = outline
        self.headings_written = 0
        self.anchors = {entry.anchor: entry.bookmark for entry in outline}
        self.previous_tag = None
        self.text_width = _text_width(document)
        self.style_ids = _style_ids(document)

    def paragraph(self, style: str, text: str | None = None):
        """A new body paragraph in `style` (python-docx's own style lookup costs ~1 ms a paragraph)."""
        paragraph = self.document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().style = self.style_ids[style]
        return paragraph

    def write(self, root) -> None:
        for element in root:
            self.block(element)

    def block(self, element) -> None:
        tag = element.tag
        if tag in HEADINGS:
            self.heading(element)
        elif tag == "p":
            style = "Subtitle" if self.previous_tag == "h1" else "Body Text"
            self.inline(self.paragraph(style), element)
        elif tag in ("ul", "ol"):
            self.list(element, level=1)
        elif tag == "table":
            self.table(element)
        elif tag == "blockquote":
            for child in element:
                self.inline(self.paragraph("Quote"), child)
        elif tag == "hr":
            pass  # a thematic break has no Word counterpart worth a direct format
        else:
            self.inline(self.paragraph("Body Text"), element)
        self.previous_tag = tag

    def heading(self, element) -> None:
        if element.tag in TOC_LEVELS and self.headings_written == 0:
            self.contents()  # after the title, subtitle and lead: before the first heading
        paragraph = self.paragraph(HEADINGS[element.tag])
        self.inline(paragraph, element)
        if element.tag in TOC_LEVELS:
            _bookmark(paragraph, self.headings_written, self.outline[self.headings_written].bookmark)
            self.headings_written += 1

    def contents(self) -> None:
        """The table of contents: our own entries, linked to the headings, inside a Word TOC field.

        LibreOffice shows a TOC field's stored result and Word shows it until fields are
        updated, so the entries are written here; the field lets Word's "Update field"
        rebuild them. Entries carry no page numbers: pages are only known to the program
        that lays the document out (Word adds them when it updates the field).
        """
        self.paragraph("TOC Heading", CONTENTS_TITLE)
        paragraphs = []
        for entry in self.outline:
            paragraph = self.paragraph(TOC_STYLES[entry.level])
            link = _hyperlink_element(anchor=entry.bookmark)
            link.append(_text_run(entry.text))
            paragraph._p.append(link)
            paragraphs.append(paragraph._p)
        _after_properties(paragraphs[0], _field_char("begin"), _instruction(TOC_INSTRUCTION), _field_char("separate"))
        paragraphs[-1].append(_field_char("end"))

    def list(self, element, level: int) -> None:
        kind = "List Bullet" if element.tag == "ul" else "List Number"
        suffix = "" if level == 1 else f" {min(level, 3)}"
        numbering = self.restart_numbering(kind + suffix, element.get("start")) if element.tag == "ol" else None
        for item in element.iterchildren("li"):
            paragraph = self.paragraph(kind + suffix)
            if numbering is not None:
                _set_numbering(paragraph, *numbering)
            nested = [child for child in item if child.tag in ("ul", "ol")]
            blocks = [child for child in item if child.tag == "p"]  # a loose list: items hold paragraphs
            if blocks:
                self.inline(paragraph, blocks[0])
                for block in blocks[1:]:
                    self.inline(self.paragraph("List Continue" + suffix), block)
            else:
                self.inline(paragraph, item, skip=nested)
            for child in nested:
                self.list(child, level + 1)

    def restart_numbering(self, style_name: str, start: str | None) -> tuple[int, int] | None:
        """A new w:num on the style's list definition, starting again: (numId, level), or None.

        A List Number paragraph otherwise goes on counting from the previous list.
        """
        from docx.oxml.ns import qn

        style = self.document.styles[style_name]
        while style is not None and style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}") is None:
            style = style.base_style
        if style is None:
            return None  # the reference's list style does not number: nothing to restart
        num_pr = style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        level = int(num_pr.find(qn("w:ilvl")).get(qn("w:val"))) if num_pr.find(qn("w:ilvl")) is not None else 0
        numbering = _numbering(self.document)
        definition = numbering.num_having_numId(int(num_pr.find(qn("w:numId")).get(qn("w:val"))))
        num = numbering.add_num(definition.abstractNumId.val)
        num.add_lvlOverride(ilvl=level).add_startOverride(int(start) if start and start.isdigit() else 1)
        return num.numId, level

    def table(self, element) -> None:
        rows = element.findall(".//tr")
        width = max(len(row.findall("./*")) for row in rows)
        table = self.document.add_table(rows=len(rows), cols=width)
        table._tbl.tblPr.style = self.style_ids[TABLE_STYLE]
        _set_table_geometry(table, _column_widths(width, self.text_width))
        for index, (row_element, row) in enumerate(zip(rows, table.rows)):
            cells = row_element.findall("./*")
            _set_row_properties(row, header=index == 0 and all(cell.tag == "th" for cell in cells))
            # row.cells once per row: table.cell(r, c) rebuilds the whole grid on every call.
            for cell_element, cell in zip(cells, row.cells):
                paragraph = cell.paragraphs[0]
                paragraph._p.get_or_add_pPr().style = self.style_ids[CELL_STYLE]
                self.inline(paragraph, cell_element)

    def inline(self, paragraph, element, skip=(), bold=False, italic=False) -> None:
        """Write an element's text and children as runs, keeping bold, italic and links."""
        if element.text:
            self._run(paragraph, element.text, bold, italic)
        for child in element:
            if child in skip:
                continue
            tag = child.tag
            if tag in ("strong", "b"):
                self.inline(paragraph, child, bold=True, italic=italic)
            elif tag in ("em", "i"):
                self.inline(paragraph, child, bold=bold, italic=True)
            elif tag == "a" and child.get("href"):
                self.link(paragraph, child.get("href"), child.text_content(), bold, italic)
            elif tag == "br":
                paragraph.add_run().add_break()
            else:
                self.inline(paragraph, child, bold=bold, italic=italic)
            if child.tail:
                self._run(paragraph, child.tail, bold, italic)

    def link(self, paragraph, url: str, text: str, bold: bool, italic: bool) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        if url.startswith("#"):  # an in-document link lands on the heading's bookmark
            hyperlink = _hyperlink_element(anchor=self.anchors.get(url[1:], url[1:]))
        else:
            hyperlink = _hyperlink_element(rel_id=paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
        run = paragraph.add_run(text.replace("\n", " "))
        run._r.get_or_add_rPr().style = self.style_ids["Hyperlink"]
        if bold:
            run.bold = True
        if italic:
            run.italic = True
        hyperlink.append(run._r)  # moves the run into the link
        paragraph._p.append(hyperlink)

    @staticmethod
    def _run(paragraph, text, bold, italic) -> None:
        text = text.replace("\n", " ")  # HTML source line breaks are spaces to a reader
        if not text:
            return
        run = paragraph.add_run(text)
        if bold:
            run.bold = True
        if italic:
            run.italic = True


def _style_ids(document) -> dict[str, str]:
    """Each style the writer uses, by name → its styleId (Word's built-in names, or their aliases)."""
    from docx.styles import BabelFish

    by_name = {style.name_val: style.styleId for style in document.styles.element.style_lst}
    unusable = [name for name in STYLES_USED if BabelFish.ui2internal(name) not in by_name]
    if unusable:  # _ensure_styles could not add them: the reference reuses their style ids for others
        raise TemplateError(f"reference document: cannot use style(s) {', '.join(map(repr, unusable))}")
    return {name: by_name[BabelFish.ui2internal(name)] for name in STYLES_USED}


def _text_width(document) -> int:
    """The width between the margins, in twips (A4 with 2.5 cm margins if the reference does not say)."""
    section = document.sections[-1]
    if None in (section.page_width, section.left_margin, section.right_margin):
        return 9070
    return round((section.page_width - section.left_margin - section.right_margin) * TWIPS_PER_EMU)


def _column_widths(columns: int, total: int) -> list[int]:
    shares = [LABEL_COLUMN, 1 - LABEL_COLUMN] if columns == 2 else [1 / columns] * columns
    widths = [round(total * share) for share in shares]
    widths[-1] = total - sum(widths[:-1])
    return widths


def _set_table_geometry(table, widths: list[int]) -> None:
    """Full width, fixed column widths on the grid and on every cell (LibreOffice reads the cells)."""
    from docx.oxml.ns import qn

    table.autofit = False  # w:tblLayout fixed: the widths below, not the content, decide
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "pct")
    tbl_w.set(qn("w:w"), "5000")  # fiftieths of a percent: the full text width
    look = tbl_pr.find(qn("w:tblLook"))
    for key, value in {"val": "0620", "firstRow": "1", "lastRow": "0", "firstColumn": "0", "lastColumn": "0",
                       "noHBand": "1", "noVBand": "1"}.items():
        look.set(qn(f"w:{key}"), value)  # the table style's header row applies; no banding
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(width))
    for row in table._tbl.tr_lst:
        for cell, width in zip(row.tc_lst, widths):
            tc_w = cell.get_or_add_tcPr().get_or_add_tcW()
            tc_w.set(qn("w:type"), "dxa")
            tc_w.set(qn("w:w"), str(width))


def _set_row_properties(row, header: bool) -> None:
    """Rows never split across pages (a label apart from its value); the header row repeats on each page."""
    from docx.oxml.parser import OxmlElement

    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _set_numbering(paragraph, num_id: int, level: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


# --- WordprocessingML pieces ------------------------------------------------------------


def _hyperlink_element(anchor: str | None = None, rel_id: str | None = None):
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    hyperlink = OxmlElement("w:hyperlink")
    if anchor is not None:
        hyperlink.set(qn("w:anchor"), anchor)
    if rel_id is not None:
        hyperlink.set(qn("r:id"), rel_id)
    hyperlink.set(qn("w:history"), "1")
    return hyperlink


def _text_run(text: str):
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    return run


def _field_char(kind: str):
    """A run holding w:fldChar begin, separate or end: the parts of a complex field."""
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    run = OxmlElement("w:r")
    run.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): kind}))
    return run


def _instruction(text: str):
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
    instr.text = text
    run.append(instr)
    return run


def _field(paragraph, instruction: str, shown: str) -> None:
    """A complex field (PAGE, NUMPAGES) with `shown` as its stored result until a reader updates it."""
    for run in (_field_char("begin"), _instruction(instruction), _field_char("separate"), _text_run(shown),
                _field_char("end")):
        paragraph._p.append(run)


def _after_properties(p, *runs) -> None:
    """Insert runs at the start of a paragraph's content, after its w:pPr."""
    index = 1 if p.pPr is not None else 0
    for offset, run in enumerate(runs):
        p.insert(index + offset, run)


def _bookmark(paragraph, bookmark_id: int, name: str) -> None:
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    start = OxmlElement("w:bookmarkStart", {qn("w:id"): str(bookmark_id), qn("w:name"): name})
    _after_properties(paragraph._p, start)
    paragraph._p.append(OxmlElement("w:bookmarkEnd", {qn("w:id"): str(bookmark_id)}))


# --- header, footer, properties, file ---------------------------------------------------


def _add_header_and_footer(document, title: str) -> None:
    """The title in the header, "Page X of Y" in the footer, unless the reference has its own."""
    section = document.sections[0]
    if section.header.is_linked_to_previous:  # no header of the reference's own
        section.header.is_linked_to_previous = False
        paragraph = section.header.paragraphs[0]
        paragraph.style = document.styles["Header"]
        paragraph.add_run(title)
    if section.footer.is_linked_to_previous:
        section.footer.is_linked_to_previous = False
        paragraph = section.footer.paragraphs[0]
        paragraph.style = document.styles["Footer"]
        # Stored results "1" until a reader lays the pages out; Word and LibreOffice both update these.
        paragraph.add_run("Page ")
        _field(paragraph, " PAGE ", "1")
        paragraph.add_run(" of ")
        _field(paragraph, " NUMPAGES ", "1")


def _set_properties(document, profile) -> None:
    """Core properties from the content, none left from the reference or python-docx's template."""
    props = document.core_properties
    metadata = context_metadata(profile)  # the values every output carries, as verification expects them
    stamp = dt.datetime.combine(profile.date, dt.time(0, 0), tzinfo=dt.timezone.utc)
    props.title = metadata["title"]
    props.subject = metadata["subject"]
    props.author = metadata["author"]
    props.last_modified_by = metadata["author"]
    props.keywords = metadata["keywords"]
    props.comments = attribution(profile)
    props.category = "Profile"
    props.language = metadata["language"]
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    props.identifier = profile.slug
    props.content_status = ""
    props.version = ""
    _set_application(document, GENERATOR, metadata["author"])


APP_PROPERTIES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>{}</Application><DocSecurity>0</DocSecurity><Company>{}</Company></Properties>"""


def _set_application(document, generator: str, company: str) -> None:
    """docProps/app.xml names dossier, not the Word that made the reference, and carries no stale counts."""
    from xml.sax.saxutils import escape

    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        part = document.part.package.part_related_by(RT.EXTENDED_PROPERTIES)
    except KeyError:
        return  # the reference has none; the file is complete without it
    part._blob = APP_PROPERTIES.format(escape(generator), escape(company)).encode("utf-8")


def _save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return deterministic_zip(out.getvalue())


def deterministic_zip(data: bytes) -> bytes:
    """The same archive, members in the same order, each dated 1980-01-01: equal content, equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # not the building machine's OS
            info.external_attr = 0
            target.writestr(info, source.read(item))
    return out.getvalue()


# --- reading back -----------------------------------------------------------------------


def read_text(data: bytes) -> str:
    """Every paragraph's text in the body (tables included), headers and footers, one per line."""
    from lxml import etree

    lines: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = ["word/document.xml"] + sorted(
            n for n in archive.namelist() if n.startswith(("word/header", "word/footer")) and n.endswith(".xml"))
        for name in names:
            root = etree.fromstring(archive.read(name))
            for paragraph in root.iter(f"{{{W_NS}}}p"):
                parts = []
                for node in paragraph.iter(f"{{{W_NS}}}t", f"{{{W_NS}}}tab", f"{{{W_NS}}}br"):
                    parts.append(node.text or "" if node.tag == f"{{{W_NS}}}t" else " ")
                # A soft hyphen shows only where Word breaks a line; a line end here is a paragraph's
                # end, never a hyphenation break, so the hyphen must not join two paragraphs.
                lines.append("".join(parts).replace("\u00ad", ""))
    return "\n".join(lines)


CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


def read_metadata(data: bytes) -> dict[str, str]:
    """The core properties, in the keys of context.metadata()."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = _core_properties_name(archive)
        root = etree.fromstring(archive.read(name)) if name in archive.namelist() else None

    def text(path: str) -> str:
        element = root.find(path, CORE_NS) if root is not None else None
        return element.text or "" if element is not None else ""

    return {
        "title": text("dc:title"),
        "subject": text("dc:subject"),
        "author": text("dc:creator"),
        "keywords": text("cp:keywords"),
        "language": text("dc:language"),
        "created": text("dcterms:created")[:10],  # 2026-04-01T00:00:00Z → the date
    }


def _core_properties_name(archive: zipfile.ZipFile) -> str:
    """The core properties' member, as the package relationships name it."""
    from lxml import etree

    try:
        rels = etree.fromstring(archive.read("_rels/.rels"))
    except KeyError:
        return "docProps/core.xml"
    for rel in rels:
        if rel.get("Type", "").endswith("/core-properties"):
            return rel.get("Target", "").lstrip("/")
    return "docProps/core.xml"
