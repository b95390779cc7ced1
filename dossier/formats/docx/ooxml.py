"""WordprocessingML pieces python-docx has no API for: the only code that builds raw w: elements.

Fields, hyperlinks, bookmarks and runs are written here, each child in the order the
schema wants (a w:pPr first, then runs), so the other modules never touch lxml nodes;
so are inline pictures with their alternative text, and the numbering of drawings.
"""

from __future__ import annotations

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


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


WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PIC_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"


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


def number_drawings(document) -> None:
    """Give every drawing of the document (body, headers, footers) its own wp:docPr id, in order.

    python-docx numbers pictures within one part, so a header's logo and the body's first
    picture would share id 1; Word asks to repair a file whose drawings share an id.
    """
    from docx.opc.part import XmlPart

    number = 0
    parts = [document.part] + [part for part in document.part.package.iter_parts()
                               if isinstance(part, XmlPart) and part is not document.part]
    for part in parts:
        for properties in part.element.iter(f"{{{WP_NS}}}docPr"):
            number += 1
            properties.set("id", str(number))
