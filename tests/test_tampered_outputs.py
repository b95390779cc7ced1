"""`dossier check` on outputs changed after the build: what a reader would see wrong, and files that are
not what their names say. Each is one `error:` line naming the file and what is wrong, exit 6, never a
traceback; the same checks stop a build from writing such a file."""

from __future__ import annotations

import ctypes
import io
import random
import zipfile

import pypdfium2
import pypdfium2.raw as pdfium
import pytest

from dossier.cli import main
from dossier.templating import default_theme_folder
from helpers import hide_every_run, with_member

FILES = {"pdf": "aurora-factsheet.pdf", "docx": "aurora-report.docx", "md": "aurora.md"}


def check_after(aurora_copy, tmp_path, capsys, fmt: str, tamper) -> tuple[int, str, str]:
    """Build Aurora's `fmt`, tamper with the file, check it: (exit code, stderr, the file's path)."""
    out = tmp_path / "out"
    assert main([str(aurora_copy), "--out", str(out), "--format", fmt, "-q"]) == 0
    path = out / "aurora" / FILES[fmt]
    path.write_bytes(tamper(path.read_bytes()))
    capsys.readouterr()
    code = main(["check", str(aurora_copy), "--out", str(out), "--format", fmt])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.out.startswith("checked 0, failed 1, in ")
    return code, captured.err, str(path)


# --- the fact sheet ----------------------------------------------------------------------------------


def pdf_edit(data: bytes, text: str, how: str) -> bytes:
    """The fact sheet with the text objects that hold `text` (its first occurrence) set to render
    invisibly ('invisible') or filled white ('white')."""
    pdf = pypdfium2.PdfDocument(data)
    page = pdf[0]
    textpage = page.get_textpage()
    start = textpage.get_text_range().find(text)
    assert start >= 0, text
    objects = {}
    for index in range(start, start + len(text)):
        found = pdfium.FPDFText_GetTextObject(textpage, index)
        objects[ctypes.addressof(found.contents)] = found
    for found in objects.values():
        if how == "invisible":
            pdfium.FPDFTextObj_SetTextRenderMode(found, pdfium.FPDF_TEXTRENDERMODE_INVISIBLE)
        else:
            pdfium.FPDFPageObj_SetFillColor(found, 255, 255, 255, 255)
    assert pdfium.FPDFPage_GenerateContent(page)
    return pdf_saved(pdf)


def pdf_with_blank_page(data: bytes, index: int) -> bytes:
    pdf = pypdfium2.PdfDocument(data)
    width, height = pdf[0].get_size()
    pdf.new_page(width, height, index=index)
    return pdf_saved(pdf)


def pdf_saved(pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


@pytest.mark.parametrize("tamper, problem", [
    (lambda data: pdf_with_blank_page(data, 1), "2 pages; a fact sheet is one page"),
    (lambda data: pdf_with_blank_page(data, 0), "2 pages; a fact sheet is one page"),  # the facts on page 2
    (lambda data: pdf_edit(data, "€3.5 million", "invisible"), "facts drawn invisibly: budget ('€3.5 million')"),
    (lambda data: pdf_edit(data, "Zoë Ångström", "white"), "facts drawn invisibly: director ('Zoë Ångström')"),
    (lambda data: random.Random(5).randbytes(3000), "cannot be read as a PDF: it is not a PDF, or it is damaged"),
    (lambda data: data[:len(data) // 2], "cannot be read as a PDF: it is not a PDF, or it is damaged"),
    (lambda data: b"", "cannot be read as a PDF: it is not a PDF, or it is damaged"),
], ids=["second page", "facts on page 2", "invisible text", "white text", "random bytes", "truncated", "empty"])
def test_a_tampered_fact_sheet_fails_the_check(aurora_copy, tmp_path, capsys, tamper, problem):
    code, err, path = check_after(aurora_copy, tmp_path, capsys, "pdf", tamper)
    assert code == 6
    assert err == f"error: {aurora_copy}: verification failed: {path}: {problem}\n"


def test_a_theme_that_draws_facts_white_fails_the_build_and_writes_nothing(aurora_copy, tmp_path, capsys):
    theme = tmp_path / "theme"
    theme.mkdir()
    css = (default_theme_folder() / "factsheet.css").read_text(encoding="utf-8")
    (theme / "factsheet.css").write_text(css + "\n.fact { color: white; }\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(aurora_copy), "--out", str(out), "--format", "pdf", "--templates", str(theme), "-q"]) == 6
    assert capsys.readouterr().err == (
        f"error: {aurora_copy}: verification failed, nothing written: aurora-factsheet.pdf: facts drawn invisibly: "
        "founded ('March 2019') in 1 of 2 places; status ('Active research consortium'); director ('Zoë Ångström'); "
        "partners ('12') in 1 of 2 places; stations ('9') in 2 of 5 places; array ('Borealis-9') in 2 of 4 places; "
        "flagship ('The Borealis-9 all-sky camera network') in 1 of 2 places; budget ('€3.5 million')\n")
    assert not (out / "aurora").exists()


# --- the Word report ------------------------------------------------------------------------------


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("tamper, problem", [
    (lambda data: with_member(data, "word/document.xml", hide_every_run),
     ("missing 10 of 10 facts, each only in hidden text: founded ('March 2019'); status ('Active research consortium'); "
     "director ('Zoë Ångström'); researchers ('about 240'); partners ('12'); stations ('9'); array ('Borealis-9'); "
     "flagship ('The Borealis-9 all-sky camera network'); budget ('€3.5 million'); open_data ('40 terabytes'); "
     "hidden text in 84 runs: 'Aurora Lab' (marked hidden), 'Aurora Lab is an' (marked hidden), 'imaginary' "
     "(marked hidden) and 81 more")),
    (lambda data: data[:len(data) // 2], "cannot be read as a Word document: it is not a zip archive"),
    (lambda data: random.Random(5).randbytes(3000), "cannot be read as a Word document: it is not a zip archive"),
    (lambda data: zip_of({"notes.txt": b"not a report"}), "cannot be read as a Word document: it has no word/document.xml"),
    (lambda data: with_member(data, "word/document.xml", lambda xml: None),
     "cannot be read as a Word document: it has no word/document.xml"),
    (lambda data: with_member(data, "word/document.xml", lambda xml: b"<w:document><w:body>"),
     ("cannot be read as a Word document: word/document.xml is not well-formed XML (Namespace prefix w on document "
     "is not defined, line 1, column 12)")),
    (lambda data: with_member(data, "word/document.xml", lambda xml: bytes(60 * 1024 * 1024)),
     ("cannot be read as a Word document: word/document.xml would unpack to 62,914,560 bytes, more than the 50 MB "
     "allowed")),
], ids=["every run hidden", "truncated", "random bytes", "another zip", "no document part", "invalid XML", "zip bomb"])
def test_a_tampered_report_fails_the_check(aurora_copy, tmp_path, capsys, tamper, problem):
    code, err, path = check_after(aurora_copy, tmp_path, capsys, "docx", tamper)
    assert code == 6
    assert err == f"error: {aurora_copy}: verification failed: {path}: {problem}\n"


# --- the Markdown ---------------------------------------------------------------------------------


def front_matter(data: bytes, front: bytes) -> bytes:
    return b"---\n" + front + b"\n---\n" + data.split(b"\n---\n", 1)[1]


@pytest.mark.parametrize("tamper, problem", [
    (lambda data: front_matter(data, b"- a list\n- not fields"),
     "cannot be read as Markdown: its front matter is a list, not a mapping of fields"),
    (lambda data: front_matter(data, b"title: [unclosed\nlang: en"),
     ("cannot be read as Markdown: its front matter is not valid YAML (did not find expected ',' or ']', line 3, "
     "column 5)")),
    (lambda data: data.replace(b"Aurora", b"Aur\xe9ra", 1),
     "cannot be read as Markdown: it is not UTF-8 text (byte 0xe9 at offset 15)"),
], ids=["front matter a list", "invalid YAML", "not UTF-8"])
def test_tampered_markdown_fails_the_check(aurora_copy, tmp_path, capsys, tamper, problem):
    code, err, path = check_after(aurora_copy, tmp_path, capsys, "md", tamper)
    assert code == 6
    assert err == f"error: {aurora_copy}: verification failed: {path}: {problem}\n"
