"""Office Open XML as dossier reads and writes it: every namespace, the bounded package reader, and the
WordprocessingML pieces python-docx has no API for (the only code that builds raw w: elements).

Fields, hyperlinks, bookmarks and runs are written here, each child in the order the
schema wants (a w:pPr first, then runs), so the other modules never touch lxml nodes;
so are inline pictures with their alternative text, and the numbering of drawings.
`Package` opens a .docx for reading (the verifier's reader and a review's) within limits
checked before anything is unpacked.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Self

from ...errors import VerificationError

# -- Namespaces, declared once -------------------------------------------------------------------------
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"  # r:id on elements
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"  # a .rels part's own
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PIC_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_NS = "http://www.w3.org/XML/1998/namespace"
EXTENDED_PROPERTIES_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
# Clark notation, for lxml's tags and attributes: f"{W}p" is w:p.
W, R, WP = f"{{{W_NS}}}", f"{{{R_NS}}}", f"{{{WP_NS}}}"
HYPERLINK_TYPE = R_NS + "/hyperlink"  # a relationship's Type
DOCUMENT = "word/document.xml"
# A part bigger than this unpacked is not a report of ours: refused without unpacking it (a zip bomb).
MEMBER_LIMIT = 50 * 1024 * 1024
# All the parts read, together: a package of many large headers is refused too.
TOTAL_LIMIT = 2 * MEMBER_LIMIT


def hyperlink_element(anchor: str | None = None, rel_id: str | None = None):
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    hyperlink = OxmlElement("w:hyperlink")
    if anchor is not None:
        hyperlink.set(qn("w:anchor"), anchor)
    if rel_id is not None:
        hyperlink.set(qn("r:id"), rel_id)
    hyperlink.set(qn("w:history"), "1")
    return hyperlink


def text_run(text: str):
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    return run


def field_char(kind: str):
    """A run holding w:fldChar begin, separate or end: the parts of a complex field."""
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    run = OxmlElement("w:r")
    run.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): kind}))
    return run


def instruction(text: str):
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
    instr.text = text
    run.append(instr)
    return run


def field(paragraph, code: str, shown: str) -> None:
    """A complex field (PAGE, NUMPAGES) with `shown` as its stored result until a reader updates it."""
    for run in (field_char("begin"), instruction(code), field_char("separate"), text_run(shown),
                field_char("end")):
        paragraph._p.append(run)


def after_properties(p, *runs) -> None:
    """Insert runs at the start of a paragraph's content, after its w:pPr."""
    index = 1 if p.pPr is not None else 0
    for offset, run in enumerate(runs):
        p.insert(index + offset, run)


def bookmark(paragraph, bookmark_id: int, name: str) -> None:
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    start = OxmlElement("w:bookmarkStart", {qn("w:id"): str(bookmark_id), qn("w:name"): name})
    after_properties(paragraph._p, start)
    paragraph._p.append(OxmlElement("w:bookmarkEnd", {qn("w:id"): str(bookmark_id)}))


def child(parent, tag: str, index: int | None = None, before: tuple[str, ...] = ()):
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


def picture(run, data: bytes, name: str, alt: str, height: int | None = None, max_width: int | None = None):
    """An inline picture of `data` (PNG or JPEG bytes) at the end of `run`, with `alt` as its description.

    Its size: `height` (EMU) with the width in proportion, else the size its resolution gives;
    then no wider than `max_width` (EMU). `alt` goes where Word ("Alt Text") and LibreOffice
    ("Description") read it: wp:docPr/@descr, and the picture's own pic:cNvPr/@descr.
    """
    import io

    from docx.image.image import Image
    from docx.shared import Emu

    image = Image.from_blob(data)
    width, tall = int(image.width), int(image.height)  # EMU, from its pixels and resolution
    if height is not None:
        width, tall = round(width * height / tall), height
    if max_width is not None and width > max_width:
        width, tall = max_width, round(tall * max_width / width)
    shape = run.add_picture(io.BytesIO(data), width=Emu(width), height=Emu(tall))
    inline = shape._inline
    for side in ("distT", "distB", "distL", "distR"):  # as Word writes them: LibreOffice's default is 1/8 inch
        inline.set(side, "0")
    alt = " ".join(alt.split())  # one line: Word's Alt Text pane shows no line breaks
    for element in [inline.docPr, *inline.iter(f"{{{PIC_NS}}}cNvPr")]:
        element.set("name", name)
        element.set("descr", alt)
    return shape


def number_drawings(word) -> None:
    """Give every drawing of the document (body, headers, footers) its own wp:docPr id, in order.

    python-docx numbers pictures within one part, so a header's logo and the body's first
    picture would share id 1; Word asks to repair a file whose drawings share an id.
    """
    from docx.opc.part import XmlPart

    number = 0
    parts = [word.part] + [part for part in word.part.package.iter_parts()
                               if isinstance(part, XmlPart) and part is not word.part]
    for part in parts:
        for properties in part.element.iter(f"{{{WP_NS}}}docPr"):
            number += 1
            properties.set("id", str(number))


# -- Reading a package --------------------------------------------------------------------------------

def core_properties_name(package: "Package") -> str:
    """The core properties' member, as the package relationships name it."""
    if "_rels/.rels" not in package.names:
        return "docProps/core.xml"
    for rel in package.xml("_rels/.rels"):
        if rel.get("Type", "").endswith("/core-properties"):
            return rel.get("Target", "").lstrip("/")
    return "docProps/core.xml"


class Package:
    """A .docx opened for reading: every failure a VerificationError that says what is wrong with it."""

    def __init__(self, data: bytes):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            why = "" if str(exc) == "File is not a zip file" else f" ({exc})"
            raise _unreadable(f"it is not a zip archive{why}") from None
        self.names = set(self.archive.namelist())
        if DOCUMENT not in self.names:
            raise _unreadable(f"it has no {DOCUMENT}")
        self.budget = TOTAL_LIMIT

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.archive.close()

    def read(self, name: str) -> bytes:
        """A member's bytes; one that would unpack to more than MEMBER_LIMIT is refused before unpacking."""
        info = self.archive.getinfo(name)
        if info.file_size > MEMBER_LIMIT:
            raise _unreadable(f"{name} would unpack to {info.file_size:,} bytes, more than the "
                              f"{MEMBER_LIMIT // (1024 * 1024)} MB allowed")
        if info.file_size > self.budget:
            raise _unreadable(f"its parts would unpack to more than the {TOTAL_LIMIT // (1024 * 1024)} MB allowed "
                              f"together (at {name})")
        try:
            # The declared size bounds what zipfile unpacks; reading one byte more proves it.
            with self.archive.open(info) as member:
                data = member.read(MEMBER_LIMIT + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
                ValueError) as exc:
            raise _unreadable(f"{name} is damaged ({exc})") from None
        if len(data) > MEMBER_LIMIT:
            raise _unreadable(f"{name} unpacks to more than the {MEMBER_LIMIT // (1024 * 1024)} MB allowed")
        self.budget -= len(data)
        return data

    def xml(self, name: str):
        return self.parse(name, self.read(name))

    @staticmethod
    def parse(name: str, data: bytes):
        from lxml import etree

        # No DTDs, no entities, nothing from the network: a billion laughs stays a few bytes.
        parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
        try:
            return etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            raise _unreadable(f"{name} is not well-formed XML ({getattr(exc, 'msg', None) or exc})") from None


def _unreadable(reason: str) -> VerificationError:
    return VerificationError(f"cannot be read as a Word document: {reason}")
