"""Reports edited with tracked changes and a comment, then saved by LibreOffice (headless), reviewed.

The changes are written into the report as Word and LibreOffice record them (w:ins and w:del with author
and date, a comment anchored to a range), some accepted and some rejected the way an editor's program
leaves them; LibreOffice then opens the file and saves it as Word, rewriting every part its own way.
Skipped where LibreOffice is not installed.
"""

from __future__ import annotations

import pytest

from dossier.review import review
from dossier.review.render import where

A = "tests/fixtures/aurora/aurora.yaml"


@pytest.fixture(scope="module")
def saved_by_libreoffice(aurora_report, editor, libreoffice, tmp_path_factory):
    edit = editor(aurora_report)
    edit.track("Aurora Lab runs on a", "annual", "yearly")  # left pending
    edit.track("Aurora Lab was formed", "auroral light", "the aurora", author="Accepting Editor")
    edit.settle("Accepting Editor", accept=True)
    edit.track("Night Atlas", "calibrated", "raw", author="Rejecting Editor")
    edit.settle("Rejecting Editor", accept=False)
    edit.track_deletion("The consortium is a partnership")  # a paragraph deleted, pending
    edit.comment("Zoë Ångström, Director", "Still the director in 2026?")
    folder = tmp_path_factory.mktemp("libreoffice")
    path = folder / "aurora-edited.docx"
    path.write_bytes(libreoffice(edit.bytes(), folder))
    return path


@pytest.fixture(scope="module")
def result(saved_by_libreoffice, settings):
    return review(saved_by_libreoffice, settings, content=A)


def at(result, path):
    return [item for item in result.items if item.path == path]


def test_libreoffice_keeps_the_changes_as_tracked_changes(saved_by_libreoffice, read_document_xml):
    xml = read_document_xml(saved_by_libreoffice.read_bytes())
    assert "<w:ins " in xml and "<w:del " in xml and "commentRangeStart" in xml
    assert 'w:author="Jane Editor"' in xml


def test_a_pending_change_is_reported_with_its_author_and_date(result):
    [item] = at(result, ("sections", 0, "blocks", 0))
    assert item.kind == "changed" and "yearly" in item.new and "annual" in item.old
    assert [(c.kind, c.text, c.author, c.date) for c in item.tracked] == [
        ("deleted", "annual", "Jane Editor", "2026-05-02T10:00:00Z"),
        ("inserted", "yearly", "Jane Editor", "2026-05-02T10:00:00Z")]
    assert where(result, item) == f"{A}:66:9: sections[0].blocks[0]"


def test_an_accepted_change_is_a_change_with_no_tracked_change_left(result):
    [item] = at(result, ("lead",))
    assert item.kind == "changed" and "the aurora" in item.new and not item.tracked
    assert where(result, item) == f"{A}:9:7: lead"


def test_a_rejected_change_leaves_nothing_to_report(result):
    assert at(result, ("sections", 1, "blocks", 0, "products", 1)) == []


def test_a_pending_deletion_is_a_deleted_paragraph_with_its_tracked_change(result):
    [item] = at(result, ("sections", 3, "blocks", 0))
    assert item.kind == "deleted" and item.note == "deleted as a pending tracked change"
    assert {(c.kind, c.author) for c in item.tracked} == {("deleted", "Jane Editor"),
                                                          ("paragraph mark deleted", "Jane Editor")}
    assert where(result, item) == f"{A}:98:9: sections[3].blocks[0]"


def test_a_comment_is_reported_with_the_text_it_is_anchored_to(result):
    [item] = at(result, ("sections", 2, "blocks", 0, "people", 0))
    assert item.kind == "comment"
    assert (item.comment.author, item.comment.text) == ("Jane Editor", "Still the director in 2026?")
    assert item.comment.anchor.startswith("Zoë Ångström, Director.")
    assert where(result, item) == f"{A}:87:13: sections[2].blocks[0].people[0]"


def test_nothing_else_is_reported(result):
    assert sorted((item.kind, item.path) for item in result.items) == sorted([
        ("changed", ("sections", 0, "blocks", 0)), ("changed", ("lead",)),
        ("deleted", ("sections", 3, "blocks", 0)), ("comment", ("sections", 2, "blocks", 0, "people", 0))])


def test_an_unedited_report_saved_by_libreoffice_has_no_changes(aurora_report, libreoffice, tmp_path, settings):
    path = tmp_path / "aurora-report.docx"
    path.write_bytes(libreoffice(aurora_report, tmp_path, "aurora-report.docx"))
    assert review(path, settings, content=A).items == []
