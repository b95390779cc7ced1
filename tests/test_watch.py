"""`dossier watch`: each save rebuilds what it touches, failures keep it watching, Ctrl-C leaves nothing half-written."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading

import pytest

from dossier.cli import main
from dossier.config import effective_settings
from dossier.templating import default_theme_folder
from dossier.watch import watch, watch_targets
from helpers import AURORA, DEADLINE_S, Lines, edit


def sigint_back_to_default() -> None:
    """In the child: Ctrl-C must reach it even when the tests run with SIGINT ignored (a shell's background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def project(tmp_path):
    """content/aurora.yaml and theme/report.md.j2 (the default's copy), resolved: messages name resolved paths."""
    root = tmp_path.resolve()
    (root / "content").mkdir()
    shutil.copy(AURORA, root / "content" / "aurora.yaml")
    (root / "theme").mkdir()
    shutil.copy(default_theme_folder() / "report.md.j2", root / "theme" / "report.md.j2")
    return root


def test_each_save_rebuilds_and_ctrl_c_exits_130_leaving_no_temporary_file(project):
    content, template = project / "content" / "aurora.yaml", project / "theme" / "report.md.j2"
    markdown = project / "out" / "aurora" / "aurora.md"
    # The content file itself is named (not its folder): a save by rename must not end the watch on it.
    process = subprocess.Popen(
        [sys.executable, "-m", "dossier", "watch", "content/aurora.yaml", "--out", "out", "--format", "md",
         "--templates", "theme"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=sigint_back_to_default if signal.getsignal(signal.SIGINT) == signal.SIG_IGN else None)
    try:
        out = Lines()
        out.follow(process.stdout)
        first = out.until("watching ")
        assert first[-2].startswith("built 1, skipped 0, failed 0, in ")
        assert first[-1].endswith("last build exit code 0")
        assert "to study auroral light." in markdown.read_text(encoding="utf-8")

        edit(content, "to study auroral light.", "to study auroral light (first edit).", by_rename=True)
        lines = out.until("watching ")
        assert lines[0] == f"changed: {content}"
        assert [line for line in lines if line.startswith("ok: ")] == ["ok: out/aurora/aurora.md: all 10 facts present"]
        assert lines[-2].startswith("built 1, skipped 0, failed 0, in ")
        assert "(first edit)." in markdown.read_text(encoding="utf-8")

        edit(content, "(first edit)", "(second edit)")
        lines = out.until("watching ")
        assert lines[0] == f"changed: {content}" and lines[-2].startswith("built 1, skipped 0, failed 0")
        assert "(second edit)." in markdown.read_text(encoding="utf-8")

        template.write_text(template.read_text(encoding="utf-8") + "\nEdited by the watch test.\n", encoding="utf-8")
        lines = out.until("watching ")
        assert lines[0] == f"changed: {template}" and lines[-2].startswith("built 1, skipped 0, failed 0")
        assert markdown.read_text(encoding="utf-8").rstrip().endswith("Edited by the watch test.")
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=DEADLINE_S)
        err = process.stderr.read()
        process.stdout.close()
        process.stderr.close()
    assert code == 130
    assert err == "error: interrupted; outputs already written are complete, none is partial\n"
    assert sorted(path.name for path in project.rglob("*.tmp")) == []


@pytest.fixture
def watching(project, monkeypatch):
    """dossier watch run in a thread on the project (Markdown only), stopped at the end; yields its output lines."""
    (project / "dossier.toml").write_text('content = "content"\nout = "out"\nformats = "md"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    settings, found = effective_settings({"jobs": "1"}, cwd=project)
    out, stop, returned = Lines(), threading.Event(), []
    thread = threading.Thread(target=lambda: returned.append(watch(settings, found, stop_event=stop, out=out)))
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join(timeout=DEADLINE_S)
    assert returned == [0]


def test_a_failed_build_is_reported_and_watching_goes_on(project, watching, capsys):
    content = project / "content" / "aurora.yaml"
    assert watching.until("watching ")[-1].endswith("last build exit code 0")
    edit(content, "as_of:", "as_of: [broken]\nold_as_of:")
    assert watching.until("watching ")[-1].endswith("last build exit code 3")
    assert f"error: {content}:14:8: as_of: expected a string, got a list\n" in capsys.readouterr().err
    edit(content, "as_of: [broken]\nold_as_of:", "as_of:")
    assert watching.until("watching ")[-1].endswith("last build exit code 0")


def test_a_change_to_the_project_file_is_reported_not_rebuilt(project, watching, capsys):
    watching.until("watching ")
    toml = project / "dossier.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + 'paper = "letter"\n', encoding="utf-8")
    assert watching.next() == f"changed: {toml}"
    (project / "content" / "notes.txt").write_text("not a profile, but in the content folder", encoding="utf-8")
    # Had the project file's change started a build, its "watching" line would come first.
    assert watching.next() == f"changed: {project / 'content' / 'notes.txt'}"
    assert watching.next().startswith("watching ")
    assert (f"warning: {toml} changed: its settings take effect when dossier watch is started again\n"
            in capsys.readouterr().err)


def test_what_is_watched(project):
    (project / "theme" / "images").mkdir()
    (project / "theme" / ".git").mkdir()
    (project / "brand.docx").write_bytes(b"")
    (project / "dossier.toml").write_text(
        'content = ["content", "extra.yaml"]\nout = "content/out"\ntemplates = "theme"\n'
        'reference_docx = "brand.docx"\n', encoding="utf-8")
    settings, found = effective_settings({}, cwd=project)
    targets = watch_targets(settings, found)
    default = default_theme_folder().resolve()  # a checkout's: a theme designer edits it
    assert {folder for folder in targets.watched if not folder.is_relative_to(default)} == {
        project, project / "content", project / "theme", project / "theme" / "images"}
    assert default in targets.watched
    relevant = [project / "content" / "aurora.yaml", project / "content" / "notes.txt", project / "extra.yaml",
                project / "theme" / "report.md.j2", project / "theme" / "images" / "logo.png", project / "brand.docx",
                project / "dossier.toml"]
    ignored = [project / "content" / "out" / "aurora" / "aurora.md", project / "content" / "out" / "manifest.json",
               project / "content" / ".aurora.yaml.swp", project / "content" / "aurora.yaml~",
               project / "content" / "#aurora.yaml#", project / "content" / "drafts" / "old.yaml",
               project / "content" / ".aurora.yaml.x1b2.tmp", project / "theme" / ".git" / "HEAD",
               project / "notes.txt", project / "pyproject.toml"]
    assert [path for path in relevant if not targets.relevant(path)] == []
    assert [path for path in ignored if targets.relevant(path)] == []


@pytest.mark.parametrize("argv, code, message", [
    (["watch", "nope.yaml"], 2, "error: nope.yaml: no such file or folder\n"),
    (["watch", "content", "--templates", "missing"], 7,
     "error: template folder missing does not exist or is not a folder\n"),
    (["watch", "content", "--jobs", "0"], 2, "error: --jobs: expected a whole number of at least 1, got 0\n"),
])
def test_settings_no_save_could_fix_end_it_at_once(project, monkeypatch, capsys, argv, code, message):
    monkeypatch.chdir(project)
    assert main(argv) == code
    assert capsys.readouterr().err == message


def test_the_brand_file_and_the_files_it_names_are_watched(project):
    brand = project / "brand"
    (brand / "fonts").mkdir(parents=True)
    (brand / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (brand / "fonts" / "x.ttf").write_bytes(b"")
    (brand / "notes.txt").write_text("not named by the brand")
    (brand / "_brand.yml").write_text("logo: logo.svg\ntypography:\n  fonts:\n    - family: X\n      source: file\n"
                                      "      files: [fonts/x.ttf]\n", encoding="utf-8")
    settings, found = effective_settings({"brand": str(brand / "_brand.yml")}, cwd=project)
    targets = watch_targets(settings, found)
    assert all(targets.relevant(path) for path in (brand / "_brand.yml", brand / "logo.svg", brand / "fonts" / "x.ttf"))
    assert not targets.relevant(brand / "notes.txt")
