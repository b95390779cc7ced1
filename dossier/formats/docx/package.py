"""The Word report as a file: header and footer, core and app properties, and a reproducible zip."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from ..._meta import GENERATOR
from .ooxml import field

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no build time in the file


def add_header_and_footer(document, title: str, page_phrase: str) -> None:
    """The title in the header, "Page X of Y" (in the document's words) in the footer, unless the
    reference has its own. `page_phrase` holds {page} and {pages}, where the fields go."""
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
        for part in re.split(r"(\{page\}|\{pages\})", page_phrase):
            if part == "{page}":
                field(paragraph, " PAGE ", "1")
            elif part == "{pages}":
                field(paragraph, " NUMPAGES ", "1")
            elif part:
                paragraph.add_run(part)


def set_properties(document, source) -> None:
    """Core properties from the Document `source`, none left from the reference or python-docx's template."""
    props = document.core_properties
    metadata = source.metadata  # the values every output carries, as verification expects them
    stamp = dt.datetime.combine(source.profile.date, dt.time(0, 0), tzinfo=dt.UTC)
    props.title = metadata["title"]
    props.subject = metadata["subject"]
    props.author = metadata["author"]
    props.last_modified_by = metadata["author"]
    props.keywords = metadata["keywords"]
    props.comments = source.attribution
    props.category = source.words["document_kind"]
    props.language = metadata["language"]
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    props.identifier = source.slug
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


def save(document) -> bytes:
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
