"""The Word report: the rendered Markdown report, turned into styled Word paragraphs.

The report is rendered once (report.md.j2); this writer converts that same text
(via the shared Markdown dialect) into python-docx paragraphs, so the Word and
Markdown reports cannot drift apart. All formatting comes from named styles.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from ..context import build_context
from ..markup import to_html
from . import markdown

NAME = "docx"
LABEL = "Word report"
FILENAME = "{slug}-report.docx"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HEADINGS = {"h1": "Title", "h2": "Heading 1", "h3": "Heading 2", "h4": "Heading 3"}
TABLE_STYLE = "Light Grid Accent 1"


def render(profile, env, options) -> bytes:
    """Render the Word report to DOCX bytes."""
    import docx
    import lxml.html

    report = markdown.render_report(profile, env)
    _front, body = markdown.split_front_matter(report)
    root = lxml.html.fragment_fromstring(to_html(body), create_parent="div")

    document = docx.Document()
    _ensure_styles(document)
    writer = _BodyWriter(document)
    for element in root:
        writer.block(element)
    _set_properties(document, profile)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class _BodyWriter:
    """Walks the report's HTML blocks and writes styled paragraphs, lists and tables."""

    def __init__(self, document):
        self.document = document
        self.previous_tag = None

    def block(self, element) -> None:
        tag = element.tag
        if tag in HEADINGS:
            self.inline(self.document.add_paragraph(style=HEADINGS[tag]), element)
        elif tag == "p":
            style = "Subtitle" if self.previous_tag == "h1" else "Body Text"
            self.inline(self.document.add_paragraph(style=style), element)
        elif tag in ("ul", "ol"):
            self.list(element, level=1)
        elif tag == "table":
            self.table(element)
        elif tag == "blockquote":
            for child in element:
                self.inline(self.document.add_paragraph(style="Quote"), child)
        elif tag == "hr":
            pass  # a thematic break has no Word counterpart worth a direct format
        else:
            self.inline(self.document.add_paragraph(style="Body Text"), element)
        self.previous_tag = tag

    def list(self, element, level: int) -> None:
        base = "List Bullet" if element.tag == "ul" else "List Number"
        style = base if level == 1 else f"{base} {min(level, 3)}"
        for item in element.iterchildren("li"):
            paragraph = self.document.add_paragraph(style=style)
            nested = [child for child in item if child.tag in ("ul", "ol")]
            self.inline(paragraph, item, skip=nested)
            for child in nested:
                self.list(child, level + 1)

    def table(self, element) -> None:
        rows = element.findall(".//tr")
        width = max(len(row.findall("./*")) for row in rows)
        table = self.document.add_table(rows=len(rows), cols=width)
        table.style = self.document.styles[TABLE_STYLE]
        for r, row in enumerate(rows):
            for c, cell_element in enumerate(row.findall("./*")):
                paragraph = table.cell(r, c).paragraphs[0]
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
                _add_hyperlink(paragraph, child.get("href"), child.text_content(), bold, italic)
            elif tag == "br":
                paragraph.add_run().add_break()
            else:
                self.inline(paragraph, child, bold=bold, italic=italic)
            if child.tail:
                self._run(paragraph, child.tail, bold, italic)

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


def _add_hyperlink(paragraph, url: str, text: str, bold: bool, italic: bool) -> None:
    # python-docx has no public hyperlink API: relate the URL, wrap a run in w:hyperlink.
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    if url.startswith("#"):
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("w:anchor"), url[1:])
    else:
        rel_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("r:id"), rel_id)
    run = paragraph.add_run(text, style="Hyperlink")
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    run._r.getparent().remove(run._r)
    hyperlink.append(run._r)
    paragraph._p.append(hyperlink)


def _ensure_styles(document) -> None:
    """Add the styles python-docx's default template lacks (Hyperlink)."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import RGBColor

    styles = document.styles
    if "Hyperlink" not in [s.name for s in styles]:
        style = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        style.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
        style.font.underline = True
        style.unhide_when_used = True


def _set_properties(document, profile) -> None:
    """Core properties from the content, none left from python-docx's template."""
    props = document.core_properties
    context = build_context(profile)
    stamp = dt.datetime.combine(profile.date, dt.time(0, 0), tzinfo=dt.timezone.utc)
    props.title = profile.name
    props.subject = context["subject"]
    props.author = profile.publisher.name
    props.last_modified_by = profile.publisher.name
    props.keywords = ", ".join(profile.keywords)
    props.comments = context["attribution"]
    props.category = "Profile"
    props.language = profile.language
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    props.identifier = profile.slug
    props.content_status = ""
    props.version = ""


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
                lines.append("".join(parts))
    return "\n".join(lines)
