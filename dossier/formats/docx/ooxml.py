"""WordprocessingML pieces python-docx has no API for: the only code that builds raw w: elements.

Fields, hyperlinks, bookmarks and runs are written here, each child in the order the
schema wants (a w:pPr first, then runs), so the other modules never touch lxml nodes.
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
