"""`dossier redline`: the new edition's Word report with what changed since the old one as tracked changes."""

from __future__ import annotations

import os
import stat

import pytest

from dossier.cli import main
from dossier.review import redline
from dossier.review.reading import read_report
from helpers import AURORA, render

NEW_EDITION = [
    ("value: about 240", "value: about 260"),  # a figure
    ("  - title: Projects", "  - title: Programmes"),  # a heading
    ("      - >-\n        The consortium is a partnership, not a company; its main partners are listed below.\n", ""),
    ("      - people:", "      - >-\n        A paragraph new in this edition.\n      - people:"),
    (("          - Publish each night's images under an open licence.\n"
      "          - Train students from all [[partners]] partner institutions.\n"),
     ("          - Train students from all [[partners]] partner institutions.\n"
      "          - Publish each night's images under an open licence.\n")),  # a list reordered
    ('as_of: "2025-09-15"', 'as_of: "2025-12-01"'),
]


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("editions")
    text = AURORA.read_text(encoding="utf-8").replace("../../../dossier/schema.json", "schema.json")
    (folder / "old.yaml").write_text(text, encoding="utf-8")
    for old, new in NEW_EDITION:
        assert old in text
        text = text.replace(old, new)
    (folder / "new.yaml").write_text(text, encoding="utf-8")
    return folder / "old.yaml", folder / "new.yaml"


@pytest.fixture(scope="module")
def made(editions, settings):
    return redline(*editions, settings)


@pytest.fixture(scope="module")
def marked(made):
    return read_report(made[0], "redline")


def test_changes_are_tracked_with_the_publisher_and_the_new_as_of(marked, made):
    changes = marked.tracked
    assert changes and {(c.author, c.date) for c in changes} == {("Example Press", "2025-12-01T00:00:00Z")}
    assert made[1] == "3 changed, 1 added, 1 deleted, 1 moved; tracked as 'Example Press' on 2025-12-01"


def test_accepting_every_change_gives_the_new_edition(marked, editions, env):
    from dossier.content import load_profile

    new = read_report(render("docx", load_profile(editions[1]), env), "new")
    assert [b.text for b in marked.blocks if not b.removed] == [b.text for b in new.blocks]


def test_rejecting_every_change_gives_the_old_edition(marked, editions, env):
    from dossier.content import load_profile

    old = read_report(render("docx", load_profile(editions[0]), env), "old")
    assert [b.original for b in marked.blocks if b.original] == [b.text for b in old.blocks]


def test_a_figure_changed_is_a_word_level_change(marked):
    row = next(b for b in marked.blocks if b.text.startswith("Researchers |"))
    assert [(c.kind, c.text) for c in row.tracked] == [("deleted", "240"), ("inserted", "260")]


def test_the_same_editions_give_the_same_bytes(made, editions, settings):
    assert redline(*editions, settings)[0] == made[0]


def test_libreoffice_reads_the_tracked_changes(made, libreoffice, tmp_path, read_document_xml):
    xml = read_document_xml(libreoffice(made[0], tmp_path, "redline.docx"))
    assert xml.count("<w:ins ") >= 5 and xml.count("<w:del ") >= 3
    assert 'w:author="Example Press"' in xml and 'w:date="2025-12-01T00:00:00Z"' in xml


def test_command_line(editions, tmp_path, capsys):
    target = tmp_path / "redline.docx"
    assert main(["redline", str(editions[0]), str(editions[1]), "-o", str(target)]) == 0
    assert "tracked as 'Example Press' on 2025-12-01" in capsys.readouterr().out
    assert read_report(target.read_bytes(), "redline").tracked


def test_since_a_git_revision(editions, tmp_path, capsys, monkeypatch):
    """--since REV reads the old edition with `git show REV:./file` (a stand-in git here, printing it)."""
    folder = tmp_path / "project"
    folder.mkdir()
    content = folder / "aurora.yaml"
    content.write_bytes(editions[1].read_bytes())
    (folder / "old-edition").write_bytes(editions[0].read_bytes())
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    fake = bin_folder / "git"
    fake.write_text('#!/bin/sh\n[ "$1" = show ] && [ "$2" = "v1:./aurora.yaml" ] && exec cat old-edition\n'
                    'echo "fatal: invalid object name" >&2; exit 128\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")
    target = tmp_path / "redline.docx"
    assert main(["redline", str(content), "--since", "v1", "-o", str(target)]) == 0
    assert "1 moved" in capsys.readouterr().out
    assert main(["redline", str(content), "--since", "v9", "-o", str(target)]) == 2
    assert "git cannot show" in capsys.readouterr().err
    assert main(["redline", str(content), "--since=--output=x", "-o", str(target)]) == 2


def test_redline_needs_two_editions_or_since(editions, tmp_path, capsys):
    assert main(["redline", str(editions[0]), "-o", str(tmp_path / "x.docx")]) == 2
    assert "give OLD.yaml and NEW.yaml" in capsys.readouterr().err
