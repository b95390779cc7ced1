"""A hostile reference document: links to files outside it are dropped with one warning, not copied into reports."""

from __future__ import annotations

import io
import logging
import re
import zipfile

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.parser import parse_xml

from dossier.errors import TemplateError
from dossier.formats.docx.reference import REFERENCE
from dossier.templating import default_theme_folder, make_environment
from helpers import render

EVIL_TEMPLATE = "http://127.0.0.1:9/evil.dotm"
EVIL_IMAGE = "http://127.0.0.1:9/pixel.png"
EVIL_LINK = "http://127.0.0.1:9/header-link"
EVIL_FRAME = "file:///etc/hostname"
SAMPLE_LINK = "https://example.org/sample-text"  # in the reference's body, which no report keeps
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ATTACHED_TEMPLATE = f"{RELATIONSHIPS}/attachedTemplate"  # python-docx names neither of these two
FRAME = f"{RELATIONSHIPS}/frame"
NAMESPACES = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
              'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
              'xmlns:v="urn:schemas-microsoft-com:vml"')


def hostile_reference(path):
    """The default reference with an attached template, a header link and linked image, a web frame and
    a body hyperlink, every one a relationship with TargetMode="External"."""
    document = docx.Document(str(default_theme_folder() / REFERENCE))
    attach_template(document, EVIL_TEMPLATE)

    header = document.sections[0].header
    header.is_linked_to_previous = False
    link_id = header.part.relate_to(EVIL_LINK, RT.HYPERLINK, is_external=True)
    image_id = header.part.relate_to(EVIL_IMAGE, RT.IMAGE, is_external=True)
    header.paragraphs[0]._p.append(parse_xml(
        f'<w:hyperlink {NAMESPACES} r:id="{link_id}"><w:r><w:t>Our site</w:t></w:r></w:hyperlink>'))
    header.paragraphs[0]._p.append(parse_xml(
        f'<w:r {NAMESPACES}><w:pict><v:shape style="width:10pt;height:10pt">'
        f'<v:imagedata r:id="{image_id}"/></v:shape></w:pict></w:r>'))

    body_id = document.part.relate_to(SAMPLE_LINK, RT.HYPERLINK, is_external=True)
    document.add_paragraph()._p.append(parse_xml(
        f'<w:hyperlink {NAMESPACES} r:id="{body_id}"><w:r><w:t>Sample link</w:t></w:r></w:hyperlink>'))
    buffer = io.BytesIO()
    document.save(buffer)

    # webSettings.xml is a part python-docx keeps as bytes: add a frame that opens an outside file.
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/webSettings.xml":
                data = data.replace(b"</w:webSettings>", b'<w:frameset><w:frame><w:sourceFileName r:id="rIdFrame"/>'
                                                         b"</w:frame></w:frameset></w:webSettings>")
                if b"xmlns:r=" not in data:
                    data = data.replace(b"<w:webSettings ", b'<w:webSettings xmlns:r="http://schemas.openxml'
                                                            b'formats.org/officeDocument/2006/relationships" ', 1)
            target.writestr(item, data)
        target.writestr("word/_rels/webSettings.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rIdFrame" Type="{FRAME}" Target="{EVIL_FRAME}" TargetMode="External"/>'
            "</Relationships>"))
    return path


def attach_template(document, target: str) -> None:
    """Relate the settings part to an outside template, as Word does: w:attachedTemplate after w:proofState."""
    settings = document.part.part_related_by(RT.SETTINGS)
    r_id = settings.relate_to(target, ATTACHED_TEMPLATE, is_external=True)
    proof_state = settings.element.find(f"{{{settings.element.nsmap['w']}}}proofState")
    proof_state.addnext(parse_xml(f'<w:attachedTemplate {NAMESPACES} r:id="{r_id}"/>'))


def external_relationships(data: bytes) -> list[tuple[str, str, str]]:
    """(rels member, type, target) of every relationship with TargetMode="External" in a DOCX."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith(".rels"):
                for rel in re.findall(rb"<Relationship [^>]*>", archive.read(name)):
                    if b'TargetMode="External"' in rel:
                        kind = re.search(rb'Type="([^"]*)"', rel).group(1).decode()
                        target = re.search(rb'Target="([^"]*)"', rel).group(1).decode()
                        found.append((name, kind, target))
    return found


def everything(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def test_a_reference_with_outside_links_gives_a_report_without_them(tmp_path, aurora, caplog):
    reference = hostile_reference(tmp_path / "hostile.docx")
    with caplog.at_level(logging.WARNING, logger="dossier"):
        data = render("docx", aurora, make_environment(), reference_docx=reference)
        plain = render("docx", aurora, make_environment())

    # The only outside links left are the hyperlinks the report writes for its content's links.
    assert external_relationships(data) == external_relationships(plain)
    assert all(kind == RT.HYPERLINK for _, kind, _ in external_relationships(data))
    text = everything(data)
    for target in (EVIL_TEMPLATE, EVIL_IMAGE, EVIL_LINK, EVIL_FRAME, SAMPLE_LINK):
        assert target.encode() not in text
    for element in (b"<w:attachedTemplate", b"<w:sourceFileName", b"r:link="):
        assert element not in text
    report = docx.Document(io.BytesIO(data))
    assert "Our site" in report.sections[0].header.paragraphs[0].text  # the header's text stays

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.name for r in warnings] == ["dossier.docx"]  # one warning, and only for the hostile reference
    assert warnings[0].getMessage() == (
        f"reference document {reference}: removed what Word would fetch, open or run with every report made on "
        "it: 4 link(s) to files outside it: attachedTemplate http://127.0.0.1:9/evil.dotm (word/settings.xml); "
        "frame file:///etc/hostname (word/webSettings.xml); hyperlink http://127.0.0.1:9/header-link "
        "(word/header1.xml); image http://127.0.0.1:9/pixel.png (word/header1.xml)")


def test_a_reference_travelling_as_bytes_is_cleaned_the_same_way(tmp_path, aurora, caplog):
    reference = hostile_reference(tmp_path / "hostile.docx")
    with caplog.at_level(logging.WARNING, logger="dossier"):
        data = render("docx", aurora, make_environment(), reference_docx=("hostile.docx", reference.read_bytes()))
    assert all(kind == RT.HYPERLINK for _, kind, _ in external_relationships(data))
    assert EVIL_TEMPLATE.encode() not in everything(data)
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["reference document hostile.docx"]


def test_a_long_target_is_shortened_in_the_warning(tmp_path, aurora, caplog):
    document = docx.Document(str(default_theme_folder() / REFERENCE))
    long_target = "http://127.0.0.1:9/" + "a" * 300 + ".dotm"
    attach_template(document, long_target)
    document.save(tmp_path / "long.docx")
    with caplog.at_level(logging.WARNING, logger="dossier"):
        render("docx", aurora, make_environment(), reference_docx=tmp_path / "long.docx")
    (message,) = [r.getMessage() for r in caplog.records]
    assert "attachedTemplate http://127.0.0.1:9/aaa" in message and "a" * 100 not in message
    assert "…" in message


def test_a_theme_reference_linked_from_outside_the_theme_is_refused(tmp_path, aurora):
    theme, outside = tmp_path / "theme", tmp_path / "outside"
    theme.mkdir()
    outside.mkdir()
    (outside / REFERENCE).write_bytes((default_theme_folder() / REFERENCE).read_bytes())
    (theme / REFERENCE).symlink_to(outside / REFERENCE)
    with pytest.raises(TemplateError) as caught:
        render("docx", aurora, make_environment(theme))
    assert str(caught.value) == (f"reference document {theme / REFERENCE} is a link to a file outside the theme "
                                 f"folder {theme} (name the file with --reference-docx instead)")
