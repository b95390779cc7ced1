"""The Word report as a file: header and footer, core and app properties, and a reproducible zip."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from ..._meta import GENERATOR
from .ooxml import EXTENDED_PROPERTIES_NS, field

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no build time in the file


def add_header_and_footer(word, title: str, page_phrase: str) -> None:
    """The title in the header, "Page X of Y" (in the document's words) in the footer, unless the
    reference has its own. `page_phrase` holds {page} and {pages}, where the fields go."""
    section = word.sections[0]
    if section.header.is_linked_to_previous:  # no header of the reference's own
        section.header.is_linked_to_previous = False
        paragraph = section.header.paragraphs[0]
        paragraph.style = word.styles["Header"]
        paragraph.add_run(title)
    if section.footer.is_linked_to_previous:
        section.footer.is_linked_to_previous = False
        paragraph = section.footer.paragraphs[0]
        paragraph.style = word.styles["Footer"]
        # Stored results "1" until a reader lays the pages out; Word and LibreOffice both update these.
        for part in re.split(r"(\{page\}|\{pages\})", page_phrase):
            if part == "{page}":
                field(paragraph, " PAGE ", "1")
            elif part == "{pages}":
                field(paragraph, " NUMPAGES ", "1")
            elif part:
                paragraph.add_run(part)


def set_properties(word, document) -> None:
    """Core properties from the Document `document`, none left from the reference or python-docx's template."""
    props = word.core_properties
    metadata = document.metadata  # the values every output carries, as verification expects them
    stamp = dt.datetime.combine(document.profile.date, dt.time(0, 0), tzinfo=dt.UTC)
    props.title = metadata["title"]
    props.subject = metadata["subject"]
    props.author = metadata["author"]
    props.last_modified_by = metadata["author"]
    props.keywords = metadata["keywords"]
    props.comments = document.attribution
    props.category = document.words["document_kind"]
    props.language = metadata["language"]
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    # python-docx writes them with strftime("%Y…"), which gives '1' for the year 1 (glibc pads no year):
    # every date the schema accepts is written as W3CDTF wants it, four digits.
    written = f"{document.profile.date.isoformat()}T00:00:00Z"
    for name in ("created", "modified", "lastPrinted"):
        for element in props._element.iter(f"{{*}}{name}"):
            element.text = written
    props.revision = 1
    props.identifier = document.slug
    props.content_status = ""
    props.version = ""
    _set_application(word, GENERATOR, metadata["author"])


APP_PROPERTIES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="{}"><Application>{}</Application><DocSecurity>0</DocSecurity><Company>{}</Company></Properties>"""


def _set_application(word, generator: str, company: str) -> None:
    """docProps/app.xml names dossier, not the Word that made the reference, and carries no stale counts."""
    from xml.sax.saxutils import escape

    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        part = word.part.package.part_related_by(RT.EXTENDED_PROPERTIES)
    except KeyError:
        return  # the reference has none; the file is complete without it
    part._blob = APP_PROPERTIES.format(EXTENDED_PROPERTIES_NS, escape(generator), escape(company)).encode("utf-8")


def save(word) -> bytes:
    out = io.BytesIO()
    word.save(out)
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
