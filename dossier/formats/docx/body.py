"""The body of the Word report: the Document's report, as styled paragraphs, lists, tables, pictures and contents.

The report is rendered once, as Markdown (Document.report); this writer converts that
same text (through the shared Markdown dialect) into python-docx paragraphs, so the
Word and Markdown reports cannot drift apart. All formatting comes from named styles.
A picture (the timeline band) is one of the Document's own `pictures`, by file name,
embedded with its alternative text; any other image is an error, never a file read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ...document import anchor
from ...errors import RenderError, TemplateError
from .ooxml import after_properties, bookmark, field_char, hyperlink_element, instruction, picture, text_run
from .reference import CELL_STYLE, FIGURE_STYLE, HEADINGS, STYLES_USED, TABLE_STYLE, TOC_STYLES, numbering_root

TOC_LEVELS = {"h2": 1, "h3": 2}  # the contents list Heading 1 and Heading 2, as TOC \o "1-2" does
TOC_INSTRUCTION = ' TOC \\o "1-2" \\h \\z \\u '
LABEL_COLUMN = 0.3  # a two-column table is label + value: the label column narrow
TWIPS_PER_EMU = 1 / 635
EMU_PER_TWIP = 635


def write_body(word, root, contents_title: str, pictures: Callable[[], Mapping[str, bytes]] = dict,
               label: str = "report") -> None:
    """Write the report's HTML blocks (`root`, an lxml element) into the python-docx document.

    `pictures()` gives the pictures an <img> may show, file name → PNG bytes (asked for only
    when there is one: drawing the timeline takes a WeasyPrint render); `label` names the
    content file in errors."""
    _BodyWriter(word, _outline(root), contents_title, pictures, label).write(root)


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

    def __init__(self, word, outline: list[_Entry], contents_title: str,
                 pictures: Callable[[], Mapping[str, bytes]], label: str):
        self.word = word
        self.pictures = pictures
        self.label = label
        self.contents_title = contents_title
        self.outline = outline
        self.headings_written = 0
        self.anchors = {entry.anchor: entry.bookmark for entry in outline}
        self.previous_tag = None
        self.text_width = text_width(word)
        self.style_ids = _style_ids(word)

    def paragraph(self, style: str, text: str | None = None):
        """A new body paragraph in `style` (python-docx's own style lookup costs ~1 ms a paragraph)."""
        paragraph = self.word.add_paragraph(text)
        paragraph._p.get_or_add_pPr().style = self.style_ids[style]
        return paragraph

    def write(self, root) -> None:
        for element in root:
            self.block(element)

    def block(self, element) -> None:
        tag = element.tag
        if tag in HEADINGS:
            self.heading(element)
        elif tag == "p" and _only_a_picture(element):
            self.picture(self.paragraph(FIGURE_STYLE), element[0])
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
            bookmark(paragraph, self.headings_written, self.outline[self.headings_written].bookmark)
            self.headings_written += 1

    def contents(self) -> None:
        """The table of contents: our own entries, linked to the headings, inside a Word TOC field.

        LibreOffice shows a TOC field's stored result and Word shows it until fields are
        updated, so the entries are written here; the field lets Word's "Update field"
        rebuild them. Entries carry no page numbers: pages are only known to the program
        that lays the document out (Word adds them when it updates the field).
        """
        self.paragraph("TOC Heading", self.contents_title)
        paragraphs = []
        for entry in self.outline:
            paragraph = self.paragraph(TOC_STYLES[entry.level])
            link = hyperlink_element(anchor=entry.bookmark)
            link.append(text_run(entry.text))
            paragraph._p.append(link)
            paragraphs.append(paragraph._p)
        after_properties(paragraphs[0], field_char("begin"), instruction(TOC_INSTRUCTION), field_char("separate"))
        paragraphs[-1].append(field_char("end"))

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

        style = self.word.styles[style_name]
        while style is not None and style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}") is None:
            style = style.base_style
        if style is None:
            return None  # the reference's list style does not number: nothing to restart
        num_pr = style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        level = int(num_pr.find(qn("w:ilvl")).get(qn("w:val"))) if num_pr.find(qn("w:ilvl")) is not None else 0
        numbering = numbering_root(self.word)
        definition = numbering.num_having_numId(int(num_pr.find(qn("w:numId")).get(qn("w:val"))))
        num = numbering.add_num(definition.abstractNumId.val)
        num.add_lvlOverride(ilvl=level).add_startOverride(int(start) if start and start.isdigit() else 1)
        return num.numId, level

    def table(self, element) -> None:
        rows = element.findall(".//tr")
        width = max(len(row.findall("./*")) for row in rows)
        table = self.word.add_table(rows=len(rows), cols=width)
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
            elif tag == "img":
                self.picture(paragraph, child)
            else:
                self.inline(paragraph, child, bold=bold, italic=italic)
            if child.tail:
                self._run(paragraph, child.tail, bold, italic)

    def picture(self, paragraph, element) -> None:
        """One of the Document's pictures, inline, no wider than the text; its alt text as its description."""
        src = element.get("src", "")
        pictures = self.pictures()
        if src not in pictures:
            known = ", ".join(sorted(pictures)) or "none"
            raise RenderError(f"{self.label}: the report shows a picture {src!r} that is not one of its own "
                              f"(those are: {known}); the Word report embeds no other file or address")
        picture(paragraph.add_run(), pictures[src], src, element.get("alt", ""),
                max_width=self.text_width * EMU_PER_TWIP)

    def link(self, paragraph, url: str, text: str, bold: bool, italic: bool) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        if url.startswith("#"):  # an in-document link lands on the heading's bookmark
            hyperlink = hyperlink_element(anchor=self.anchors.get(url[1:], url[1:]))
        else:
            hyperlink = hyperlink_element(rel_id=paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
        run = paragraph.add_run(text.replace("\n", " "))
        run._r.get_or_add_rPr().style = self.style_ids["Hyperlink"]
        _emphasise(run, bold, italic)
        hyperlink.append(run._r)  # moves the run into the link
        paragraph._p.append(hyperlink)

    @staticmethod
    def _run(paragraph, text, bold, italic) -> None:
        text = text.replace("\n", " ")  # HTML source line breaks are spaces to a reader
        if not text:
            return
        run = paragraph.add_run()
        if "\t" in text or "\r" in text:
            run.text = text  # python-docx turns these into w:tab and w:br
        else:
            # What `run.text = text` writes, without its character-by-character walk (a fifth of the report).
            run._r.add_t(text)
        _emphasise(run, bold, italic)


def _emphasise(run, bold: bool, italic: bool) -> None:
    """Bold and italic for every script: Word and LibreOffice draw Arabic, Hebrew and the other complex
    scripts with w:bCs and w:iCs, and ignore w:b and w:i on them (an Arabic name in **bold** was not)."""
    if bold:
        run.bold = True
        run.font.cs_bold = True
    if italic:
        run.italic = True
        run.font.cs_italic = True


def _only_a_picture(element) -> bool:
    """A paragraph holding one picture and no text: a figure, centred on its own."""
    return (len(element) == 1 and element[0].tag == "img" and not (element.text or "").strip()
            and not (element[0].tail or "").strip())


def _style_ids(word) -> dict[str, str]:
    """Each style the writer uses, by name → its styleId (Word's built-in names, or their aliases)."""
    from docx.styles import BabelFish

    by_name = {style.name_val: style.styleId for style in word.styles.element.style_lst}
    unusable = [name for name in STYLES_USED if BabelFish.ui2internal(name) not in by_name]
    if unusable:  # ensure_styles could not add them: the reference reuses their style ids for others
        raise TemplateError(f"reference document: cannot use style(s) {', '.join(map(repr, unusable))}")
    return {name: by_name[BabelFish.ui2internal(name)] for name in STYLES_USED}


def text_width(word) -> int:
    """The width between the margins, in twips (A4 with 2.5 cm margins if the reference does not say)."""
    section = word.sections[-1]
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
