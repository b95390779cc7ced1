"""Reading a Word report back: every paragraph's text (body, tables, headers, footers) and its core properties."""

from __future__ import annotations

import io
import zipfile

from .ooxml import W_NS


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
