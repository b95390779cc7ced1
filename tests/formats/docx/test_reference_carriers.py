"""A reference document is data, not a carrier: macros, embedded objects, altChunk parts, fetching
fields and the settings that run them never reach a report; a bomb or broken XML is one line, exit 4.

Every payload here is made up for the test: the addresses are 127.0.0.1:9 (the discard port) and the
macro project is a few bytes that only look like one by name.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
import time
import zipfile

import docx
import pytest
from docx.oxml.parser import parse_xml

from dossier.errors import TemplateError
from dossier.formats.docx.reference import REFERENCE
from dossier.formats.docx.sanitize import SAFE_FIELDS
from dossier.templating import default_theme_folder, make_environment
from helpers import AURORA, ROOT, render

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = (f'xmlns:w="{W_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
              'xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:v="urn:schemas-microsoft-com:vml"')
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MS_RELS = "http://schemas.microsoft.com/office/2006/relationships"
FETCHING = ("INCLUDEPICTURE", "INCLUDETEXT", "DDEAUTO", "LINK", "IMPORT", "MACROBUTTON")


def field_runs(code_pieces: list[str], shown: str) -> str:
    """A complex field whose code is split over several runs (as Word splits it after an edit)."""
    code = "".join(f'<w:r><w:instrText xml:space="preserve">{piece}</w:instrText></w:r>' for piece in code_pieces)
    return (f'<w:p {NAMESPACES}><w:r><w:fldChar w:fldCharType="begin"/></w:r>{code}'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>{shown}</w:t></w:r>'
            f'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def carrier_reference(path, *, macros=True, objects=True, fields=True, update_fields=True):
    """The default reference, carrying what a hostile or careless one would."""
    document = docx.Document(str(default_theme_folder() / REFERENCE))
    header = document.sections[0].header
    header.is_linked_to_previous = False
    footer = document.sections[0].footer
    footer.is_linked_to_previous = False
    if fields:
        header_element = header._element
        # Split across runs, in lower case and with extra spaces: still INCLUDEPICTURE.
        header_element.append(parse_xml(field_runs([" include", 'picture  "http://127.0.0.1:9/p.png" ',
                                                    "\\d "], "Pictured")))
        header_element.append(parse_xml(
            f'<w:p {NAMESPACES}><w:fldSimple w:instr=" INCLUDETEXT &quot;file:///etc/hostname&quot; ">'
            "<w:r><w:t>Included</w:t></w:r></w:fldSimple></w:p>"))
        footer._element.append(parse_xml(field_runs(['DDEAUTO "cmd" "/c calc" '], "Linked")))
        footer._element.append(parse_xml(field_runs([" PAGE "], "1")))  # a field a footer needs: kept
    buffer = io.BytesIO()
    document.save(buffer)

    extra: dict[str, bytes] = {}
    rels_added: dict[str, list[str]] = {"word/_rels/document.xml.rels": [], "word/_rels/header1.xml.rels": []}
    if macros:
        extra["word/vbaProject.bin"] = b"fictional macro project: not VBA at all"
        rels_added["word/_rels/document.xml.rels"].append(
            f'<Relationship Id="rIdVba" Type="{MS_RELS}/vbaProject" Target="vbaProject.bin"/>')
    if objects:
        extra["word/embeddings/oleObject1.bin"] = b"fictional OLE object"
        extra["word/afchunk.htm"] = b"<html><body><img src='http://127.0.0.1:9/a.png'></body></html>"
        rels_added["word/_rels/document.xml.rels"].append(
            f'<Relationship Id="rIdChunk" Type="{RELS}/aFChunk" Target="afchunk.htm"/>')
        rels_added["word/_rels/header1.xml.rels"].append(
            f'<Relationship Id="rIdOle" Type="{RELS}/oleObject" Target="embeddings/oleObject1.bin"/>')
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        header_part = next(name for name in names if re.fullmatch(r"word/header\d*\.xml", name))
        header_rels = f"word/_rels/{header_part.split('/')[1]}.rels"
        rels_added[header_rels] = rels_added.pop("word/_rels/header1.xml.rels")
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml" and macros:  # as Word saves a .docm
                data = data.replace(b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                                    b"application/vnd.ms-word.document.macroEnabled.main+xml")
                data = data.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                                 b'vnd.ms-office.vbaProject"/></Types>')
            if item.filename == header_part and objects:
                data = data.replace(b"</w:hdr>", (
                    f'<w:p {NAMESPACES}><w:r><w:object><o:OLEObject Type="Embed" ProgID="Package" '
                    'r:id="rIdOle"/></w:object></w:r></w:p></w:hdr>').encode())
            if item.filename == "word/settings.xml" and update_fields:
                data = re.sub(rb"(<w:settings[^>]*>)", rb'\1<w:updateFields w:val="true"/>', data, count=1)
            if rels_added.get(item.filename):
                data = data.replace(b"</Relationships>", "".join(rels_added.pop(item.filename)).encode()
                                    + b"</Relationships>")
            target.writestr(item, data)
        for name, added in rels_added.items():  # a part that had no relationships yet
            if added:
                target.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
                                'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                + "".join(added) + "</Relationships>")
        for name, data in extra.items():
            target.writestr(name, data)
    return path


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def field_codes(xml: bytes) -> list[str]:
    """Every field code in a part: complex fields' instrText joined per field, and simple fields' w:instr."""
    codes, current = [], None
    for match in re.finditer(rb'<w:fldChar w:fldCharType="(\w+)"|<w:instrText[^>]*>([^<]*)<|w:instr="([^"]*)"', xml):
        kind, code, simple = match.groups()
        if kind == b"begin":
            current = ""
        elif kind in (b"separate", b"end") and current is not None:
            codes.append(current)
            current = None
        elif code is not None and current is not None:
            current += code.decode()
        elif simple is not None:
            codes.append(simple.decode().replace("&quot;", '"'))
    return codes


def test_macros_objects_altchunks_and_fetching_fields_never_reach_a_report(tmp_path, aurora, caplog):
    reference = carrier_reference(tmp_path / "carrier.docx")
    with caplog.at_level(logging.WARNING, logger="dossier"):
        data = render("docx", aurora, make_environment(), reference_docx=reference)
    report = parts(data)
    assert not [name for name in report if "vbaProject" in name or "embeddings/" in name or "afchunk" in name]
    assert b"macroEnabled" not in report["[Content_Types].xml"] and b"vbaProject" not in report["[Content_Types].xml"]
    everything = b"\n".join(report.values())
    for gone in (b"127.0.0.1:9", b"/etc/hostname", b"OLEObject", b"<w:object", b"altChunk", b"updateFields",
                 b"calc"):
        assert gone not in everything, gone
    codes = [code for name, xml in report.items() if name.endswith(".xml") for code in field_codes(xml)]
    assert codes and all(code.split()[0].upper() in SAFE_FIELDS for code in codes), codes  # PAGE stays
    text = "\n".join(p.text for section in docx.Document(io.BytesIO(data)).sections
                     for p in [*section.header.paragraphs, *section.footer.paragraphs])
    for shown in ("Pictured", "Included", "Linked"):  # a field's last result stays, as plain text
        assert shown in text

    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith(f"reference document {reference}: removed what Word would fetch, open or run")
    for named in ("a macro project", "an embedded object", "an altChunk part", "INCLUDEPICTURE", "INCLUDETEXT",
                  "DDEAUTO", "the setting that updates every field on opening"):
        assert named in warning, named


def test_the_carrier_is_an_error_under_strict(tmp_path, aurora):
    reference = carrier_reference(tmp_path / "carrier.docx", objects=False, fields=False)
    with pytest.raises(TemplateError) as caught:
        render("docx", aurora, make_environment(), reference_docx=reference, strict=True)
    assert "a macro project" in caught.value.message and caught.value.message.endswith("(an error under --strict)")


@pytest.mark.parametrize("code", ["INCLUDEPICTURE", "includetext", "LiNk", "dde", "IMPORT", "MacroButton"])
def test_every_fetching_field_is_unwrapped_in_any_case(tmp_path, aurora, code):
    document = docx.Document(str(default_theme_folder() / REFERENCE))
    footer = document.sections[0].footer
    footer.is_linked_to_previous = False
    footer._element.append(parse_xml(field_runs([f" {code[:3]}", f'{code[3:]} "http://127.0.0.1:9/x" '], "Shown")))
    document.save(tmp_path / "field.docx")
    report = parts(render("docx", aurora, make_environment(), reference_docx=tmp_path / "field.docx"))
    codes = [c for name, xml in report.items() if name.endswith(".xml") for c in field_codes(xml)]
    assert not [c for c in codes if code.upper() in c.upper().replace(" ", "")]
    assert b"127.0.0.1:9" not in b"".join(report.values())


def test_a_zip_bomb_reference_is_refused_before_it_is_unpacked(tmp_path, aurora):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(101):  # 101 MB of zeros, about 100 kB in the zip
                member.write(block)
    assert bomb.stat().st_size < 1_000_000
    started = time.perf_counter()
    with pytest.raises(TemplateError) as caught:
        render("docx", aurora, make_environment(), reference_docx=bomb)
    assert time.perf_counter() - started < 1.0  # from the zip's directory: nothing was unpacked
    assert "would unpack to 105,906,184 bytes" in caught.value.message


def test_a_reference_with_broken_xml_is_one_line_exit_4(tmp_path):
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(default_theme_folder() / REFERENCE) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[: len(data) // 2] if item.filename == "word/styles.xml" else data)
    result = subprocess.run([sys.executable, "build.py", str(AURORA), "--out", str(tmp_path / "out"),
                             "--format", "docx", "--reference-docx", str(broken)], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 4, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: reference document {broken}") and "word/styles.xml" in line
    assert not (tmp_path / "out" / "aurora").exists()
