"""`dossier review`: an edited Word report compared with the report its content makes now, each finding
with the content file's line and key path; text, JSON and Markdown; exit 0 and 10."""

from __future__ import annotations

import json

import pytest

from dossier.cli import main
from dossier.review import EXIT_CHANGES, review
from dossier.review.render import as_json, as_markdown, as_text, where

A = "tests/fixtures/aurora/aurora.yaml"  # as the review names it: the path given to --content


@pytest.fixture(scope="module")
def edited(aurora_report, tmp_path_factory, editor):
    """The Aurora report with every kind of edit an editor makes, through python-docx (and tracked changes
    written the way Word writes them)."""
    editor = editor(aurora_report)
    editor.cell(1, 1, 1, "about 260")  # a changed figure: Key figures, Researchers
    editor.cell(0, 2, 0, "State")  # an edited table cell: the label of the fact `status`
    editor.delete("The consortium is a partnership")  # a deleted paragraph
    editor.move_before("Train students from all", "Publish each night")  # a reordered list
    editor.replace("Projects", "Projects", "Programmes")  # a heading renamed
    editor.replace("Aurora Lab runs on a", "annual budget", "yearly budget")  # a changed paragraph
    editor.track("José Núñez", "Designed", "Built")  # a pending tracked change
    editor.comment("Inès Moreau", "Which data does she steward?")
    editor.doc.core_properties.title = "Aurora Laboratory"
    path = tmp_path_factory.mktemp("edited") / "aurora-edited.docx"
    path.write_bytes(editor.bytes())
    return path


@pytest.fixture(scope="module")
def result(edited, settings):
    return review(edited, settings, content=A)


def find(result, kind, path):
    found = [item for item in result.items if item.kind == kind and item.path == path]
    assert found, f"no {kind} item at {path}: {[(i.kind, i.path) for i in result.items]}"
    return found[0]


def test_an_unedited_report_has_no_changes(aurora_report, tmp_path, settings, capsys):
    path = tmp_path / "aurora-report.docx"
    path.write_bytes(aurora_report)
    assert review(path, settings, content=A).items == []
    assert main(["review", str(path), "--content", A]) == 0
    assert "no changes: the report says what its content says" in capsys.readouterr().out


def test_a_changed_figure_names_the_fact_its_value_and_the_editors_text(result):
    item = find(result, "fact", ("facts", "researchers", "value"))
    assert (item.fact, item.old, item.new) == ("researchers", "about 240", "about 260")
    assert where(result, item) == f"{A}:34:12: facts.researchers.value"
    assert item.section == "Key figures"


def test_an_edited_table_cell_names_the_fact_label(result):
    item = find(result, "changed", ("facts", "status", "label"))
    assert (item.old, item.new) == ("Status", "State")
    assert where(result, item) == f"{A}:27:12: facts.status.label"


def test_a_deleted_paragraph(result):
    item = find(result, "deleted", ("sections", 3, "blocks", 0))
    assert item.old.startswith("The consortium is a partnership")
    assert where(result, item) == f"{A}:98:9: sections[3].blocks[0]"
    assert item.section == "Partners"


def test_a_reordered_list_is_one_item_moved(result):
    moved = [item for item in result.items if item.kind == "moved"]
    assert len(moved) == 1
    assert moved[0].path in (("sections", 0, "blocks", 1, "list", 1), ("sections", 0, "blocks", 1, "list", 2))
    assert not [item for item in result.items if item.kind in ("added", "deleted") and item.path
                and item.path[:4] == ("sections", 0, "blocks", 1)]


def test_a_renamed_heading_names_the_section_title(result):
    item = find(result, "changed", ("sections", 1, "title"))
    assert (item.old, item.new) == ("Projects", "Programmes")
    assert where(result, item) == f"{A}:75:12: sections[1].title"


def test_a_changed_paragraph_has_a_word_level_difference(result):
    item = find(result, "changed", ("sections", 0, "blocks", 0))
    assert where(result, item) == f"{A}:66:9: sections[0].blocks[0]"
    assert "[-annual-] {+yearly+}" in as_text(result)


def test_a_pending_tracked_change_has_its_author_and_date(result):
    item = find(result, "changed", ("sections", 2, "blocks", 0, "people", 1))
    assert [(c.kind, c.text, c.author, c.date) for c in item.tracked] == [
        ("deleted", "Designed", "Jane Editor", "2026-05-02T10:00:00Z"),
        ("inserted", "Built", "Jane Editor", "2026-05-02T10:00:00Z")]
    assert where(result, item) == f"{A}:90:13: sections[2].blocks[0].people[1]"


def test_a_comment_has_its_author_date_and_anchor(result):
    item = find(result, "comment", ("sections", 2, "blocks", 0, "people", 2))
    comment = item.comment
    assert (comment.author, comment.date, comment.text) == ("Jane Editor", "2026-05-02T10:00:00Z",
                                                           "Which data does she steward?")
    assert comment.anchor == "Inès Moreau, Data steward."
    assert not item.counts  # a comment is not a change to the content


def test_a_changed_title_property(result):
    item = find(result, "property", ("name",))
    assert (item.what, item.old, item.new) == ("title", "Aurora Lab", "Aurora Laboratory")


def test_findings_are_grouped_by_section_in_report_order(result):
    text = as_text(result)
    order = ["(document properties)", "At a glance", "Key figures", "Overview", "Projects", "People", "Partners"]
    positions = [text.index(f"\n{section}\n") for section in order]
    assert positions == sorted(positions)


def test_json_for_scripts(result):
    data = json.loads(as_json(result))
    assert data["exit_code"] == EXIT_CHANGES and data["changes"] == result.changes
    items = [item for section in data["sections"] for item in section["items"]]
    fact = next(item for item in items if item.get("fact") == "researchers")
    assert fact["location"] == {"file": A, "line": 34, "column": 12, "path": "facts.researchers.value"}
    assert (fact["old"], fact["new"]) == ("about 240", "about 260")
    comment = next(item for item in items if item["kind"] == "comment")
    assert comment["comment"]["anchored_to"] == "Inès Moreau, Data steward."


def test_markdown_for_a_file(result):
    text = as_markdown(result)
    assert text.startswith("# Review of `")
    assert "## Overview" in text and "~~annual~~ **yearly**" in text
    assert f"`{A}:98:9: sections[3].blocks[0]`" in text


def test_command_line_exit_code_and_formats(edited, tmp_path, capsys):
    assert main(["review", str(edited), "--content", A]) == EXIT_CHANGES
    out = capsys.readouterr().out
    assert f"{A}:34:12: facts.researchers.value: fact researchers changed" in out
    assert "\033[" not in out  # colour only on a terminal
    assert main(["review", str(edited), "--content", A, "--format", "json"]) == EXIT_CHANGES
    assert json.loads(capsys.readouterr().out)["slug"] == "aurora"
    target = tmp_path / "review.md"
    assert main(["review", str(edited), "--content", A, "--format", "md", "-o", str(target)]) == EXIT_CHANGES
    assert target.read_text(encoding="utf-8").startswith("# Review of")


def test_the_content_is_found_through_the_manifest(tmp_path, aurora_copy, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no project file, no content/ or output/ here
    out = tmp_path / "out"
    assert main(["build", str(aurora_copy), "--out", str(out), "--format", "docx", "-q"]) == 0
    report = out / "aurora" / "aurora-report.docx"
    assert main(["review", str(report)]) == 0
    assert "against aurora.yaml" in capsys.readouterr().out  # out/manifest.json names it
    # Saved elsewhere by the editor: no manifest beside it, and the project's ./output has none.
    moved = tmp_path / "elsewhere" / "from-the-editor.docx"
    moved.parent.mkdir()
    moved.write_bytes(report.read_bytes())
    assert main(["review", str(moved)]) == 2
    err = capsys.readouterr().err
    assert "made from the profile 'aurora'" in err and "give its content file with --content" in err
    assert main(["review", str(moved), "--out", str(out)]) == 0  # the output folder named: found again


def test_the_wrong_content_file_is_refused(edited, capsys):
    assert main(["review", str(edited), "--content", "content/bigscience.yaml"]) == 2
    err = capsys.readouterr().err
    assert "is the report of 'aurora'" in err and "Traceback" not in err


def test_after_the_content_is_updated_only_comments_and_pending_changes_remain(aurora_report, tmp_path, settings,
                                                                                 editor):
    """The round trip: the YAML edited as the review says, the same edited file reviewed again."""
    editor = editor(aurora_report)
    editor.track("José Núñez", "Designed", "Built")
    editor.comment("Inès Moreau", "Which data does she steward?")
    path = tmp_path / "sent-back.docx"
    path.write_bytes(editor.bytes())
    content = tmp_path / "aurora.yaml"
    from helpers import AURORA

    content.write_text(AURORA.read_text(encoding="utf-8").replace(
        "text: Designed the cameras", "text: Built the cameras"), encoding="utf-8")
    found = review(path, settings, content=content)
    assert found.changes == 0 and found.exit_code == 0
    assert [item.kind for item in found.items] == ["tracked", "comment"]
    assert "the text they leave is what the content says now" in as_text(found)


def test_the_commands_cost_nothing_until_they_run():
    """`dossier --help` (and every other command) does not import python-docx or the review."""
    import subprocess
    import sys

    code = ("import sys, dossier.cli as c; c.make_parser().format_help(); "
            "print(sorted(m for m in sys.modules if m.startswith(('docx', 'lxml', 'dossier.review'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
