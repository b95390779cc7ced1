"""Shared by the review tests: the Aurora report as dossier sends it, and ways to edit it as editors do.

Edits are made two ways: with python-docx (text, tables, paragraphs, comments, properties), and in the
XML the way Word and LibreOffice record tracked changes (w:ins, w:del with author and date), then
round-tripped through LibreOffice headless where a test needs LibreOffice's own writing of them.
"""

from __future__ import annotations

import copy
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from dossier.options import resolve
from helpers import AURORA, render

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
EDITOR = "Jane Editor"
WHEN = "2026-05-02T10:00:00Z"


@pytest.fixture(scope="session")
def aurora_report(aurora, env) -> bytes:
    """The Word report dossier makes from the Aurora fixture, rendered once."""
    return render("docx", aurora, env)


@pytest.fixture(scope="session")
def settings():
    """The built-in defaults, as a build in a folder without a project file uses them."""
    return resolve([])


class Editor:
    """A python-docx Document opened on report bytes, with the edits the tests make."""

    def __init__(self, data: bytes):
        import docx

        self.doc = docx.Document(io.BytesIO(data))

    def paragraph(self, start: str):
        for paragraph in self.doc.paragraphs:
            if paragraph.text.startswith(start) and not paragraph.style.name.lower().startswith("toc"):
                return paragraph
        raise AssertionError(f"no paragraph starts with {start!r}")

    def replace(self, start: str, old: str, new: str) -> None:
        """Replace words inside one run of the paragraph starting with `start` (an untracked edit, or an
        accepted tracked change: both leave only the new text)."""
        for run in self.paragraph(start).runs:
            if old in run.text:
                run.text = run.text.replace(old, new, 1)
                return
        raise AssertionError(f"{old!r} is not inside one run")

    def cell(self, table: int, row: int, column: int, text: str) -> None:
        paragraph = self.doc.tables[table].rows[row].cells[column].paragraphs[0]
        paragraph.runs[0].text = text
        for run in paragraph.runs[1:]:
            run.text = ""

    def delete(self, start: str) -> None:
        element = self.paragraph(start)._p
        element.getparent().remove(element)

    def move_before(self, start: str, before: str) -> None:
        self.paragraph(before)._p.addprevious(self.paragraph(start)._p)

    def comment(self, start: str, text: str) -> None:
        paragraph = self.paragraph(start)
        comment = self.doc.add_comment(paragraph.runs, text=text, author=EDITOR, initials="JE")
        comment._comment_elm.set(f"{W}date", WHEN)

    def track(self, start: str, old: str, new: str, author: str = EDITOR, date: str = WHEN) -> None:
        """A pending tracked change, as Word and LibreOffice write one: `old` in a w:del, `new` in a w:ins."""
        for run in self.paragraph(start).runs:
            text = run.text
            if old not in text:
                continue
            at = text.index(old)
            pieces = []
            for kind, piece in (("", text[:at]), ("del", old), ("ins", new), ("", text[at + len(old):])):
                if not piece:
                    continue
                clone = copy.deepcopy(run._r)
                t = clone.find(f"{W}t")
                t.text = piece
                t.set(XML_SPACE, "preserve")
                if kind:
                    if kind == "del":
                        t.tag = f"{W}delText"
                    from lxml import etree

                    wrapper = etree.Element(f"{W}{kind}")
                    wrapper.set(f"{W}id", str(800 + len(pieces)))
                    wrapper.set(f"{W}author", author)
                    wrapper.set(f"{W}date", date)
                    wrapper.append(clone)
                    clone = wrapper
                pieces.append(clone)
            for piece in pieces:
                run._r.addprevious(piece)
            run._r.getparent().remove(run._r)
            return
        raise AssertionError(f"{old!r} is not inside one run")

    def settle(self, author: str, accept: bool) -> None:
        """Accept or reject every tracked change by `author`, leaving what Word leaves: no trace of it."""
        body = self.doc.element.body
        for change in list(body.iter(f"{W}ins", f"{W}del")):
            if change.get(f"{W}author") != author:
                continue
            keep = (change.tag == f"{W}ins") == accept
            if keep:
                for t in change.iter(f"{W}delText"):
                    t.tag = f"{W}t"
                for child in list(change):
                    change.addprevious(child)
            change.getparent().remove(change)

    def track_deletion(self, start: str, author: str = EDITOR, date: str = WHEN) -> None:
        """The whole paragraph deleted as a pending tracked change, its paragraph mark too."""
        from lxml import etree

        p = self.paragraph(start)._p
        for run in list(p.iter(f"{W}r")):
            for t in run.iter(f"{W}t"):
                t.tag = f"{W}delText"
            wrapper = etree.Element(f"{W}del", {f"{W}id": "850", f"{W}author": author, f"{W}date": date})
            run.addprevious(wrapper)
            wrapper.append(run)
        properties = p.get_or_add_pPr()
        mark = properties.find(f"{W}rPr")
        if mark is None:
            mark = etree.SubElement(properties, f"{W}rPr")
        mark.append(etree.Element(f"{W}del", {f"{W}id": "851", f"{W}author": author, f"{W}date": date}))

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


@pytest.fixture(scope="session")
def editor():
    """The Editor class: Editor(report bytes), its edits, then .bytes()."""
    return Editor


def soffice_round_trip(data: bytes, folder: Path, name: str = "edited.docx") -> bytes:
    """The file as LibreOffice writes it back: opened headless and saved as Word (it rewrites every part)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    source = folder / "in" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    out = folder / "out"
    profile = folder / "lo-profile"  # its own user profile: no clash with another LibreOffice running
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "docx",
                    "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=180)
    return (out / name).read_bytes()


@pytest.fixture(scope="session")
def libreoffice():
    """soffice_round_trip, or a skip where LibreOffice is not installed."""
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return soffice_round_trip


def document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


@pytest.fixture(scope="session")
def read_document_xml():
    return document_xml


@pytest.fixture(scope="session")
def aurora_source() -> Path:
    return AURORA
