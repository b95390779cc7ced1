"""The command line: what is built where, exit codes, --check, and nothing lost on failure."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from dossier.cli import main
from helpers import AURORA, ROOT


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def built(tmp_path, aurora_copy):
    out = tmp_path / "out"
    assert main([str(aurora_copy), "--out", str(out), "-q"]) == 0
    return aurora_copy, out


def test_builds_three_outputs_named_after_the_slug(built):
    _source, out = built
    assert sorted(p.name for p in (out / "aurora").iterdir()) == [
        "aurora-factsheet.pdf", "aurora-report.docx", "aurora.md"]


def test_format_option_builds_only_those(tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(AURORA), "--out", str(out), "--format", "md"]) == 0
    assert [p.name for p in (out / "aurora").iterdir()] == ["aurora.md"]
    assert "ok: " in capsys.readouterr().out


def test_unknown_format_lists_the_known_ones(tmp_path, capsys):
    assert main([str(AURORA), "--out", str(tmp_path), "--format", "pdf,html"]) == 2
    assert capsys.readouterr().err == "error: --format: unknown format 'html' (known: pdf, docx, md)\n"


def test_missing_input_is_a_usage_error(tmp_path, capsys):
    assert main([str(tmp_path / "nope.yaml"), "--out", str(tmp_path)]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_check_passes_on_fresh_outputs_and_fails_on_tampered_ones(built, capsys):
    source, out = built
    assert main([str(source), "--out", str(out), "--check"]) == 0
    md = out / "aurora" / "aurora.md"
    md.write_text(md.read_text().replace("€3.5 million", "3.5 million euros"))
    capsys.readouterr()
    assert main([str(source), "--out", str(out), "--check"]) == 6
    captured = capsys.readouterr()
    assert captured.err == (f"error: {source}: verification failed: "
                            f"{md}: missing 1 of 10 facts: budget ('€3.5 million')\n")
    assert captured.out.startswith("checked 0, failed 1, in ")


def test_content_error_exits_3_writes_nothing_and_keeps_earlier_outputs(built, capsys):
    source, out = built
    before = digest(out / "aurora")
    source.write_text(source.read_text().replace("as_of:", "as_of: [broken]\nold_as_of:", 1))
    capsys.readouterr()
    assert main([str(source), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert f"error: {source}:14:8: as_of: expected a string, got a list\n" in err
    assert "Traceback" not in err
    assert digest(out / "aurora") == before
    assert not [p for p in (out / "aurora").iterdir() if p.name.startswith(".")]


def test_one_bad_profile_does_not_stop_the_others(tmp_path, aurora_copy, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: bad\n")
    out = tmp_path / "out"
    assert main([str(bad), str(aurora_copy), "--out", str(out), "--format", "md"]) == 3
    assert (out / "aurora" / "aurora.md").exists()
    assert "built 1, skipped 0, failed 1, in " in capsys.readouterr().out


def test_template_error_exits_4(tmp_path, capsys):
    (tmp_path / "report.md.j2").write_text("{{ nope }}")
    assert main([str(AURORA), "--out", str(tmp_path / "o"), "--format", "md", "--templates", str(tmp_path)]) == 4
    assert capsys.readouterr().err == f"error: {tmp_path / 'report.md.j2'}:1: 'nope' is undefined\n"


def test_build_py_is_the_entry_point():
    result = subprocess.run([sys.executable, "build.py", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0
    assert "exit codes:" in result.stdout and "3  content error" in result.stdout
    probe = subprocess.run([sys.executable, "-c", "import sys; from dossier.cli import main; "
                            "import contextlib, io;\nwith contextlib.redirect_stdout(io.StringIO()):\n"
                            "    try: main(['--help'])\n    except SystemExit: pass\n"
                            "print('weasyprint' in sys.modules, 'docx' in sys.modules)"],
                           cwd=ROOT, capture_output=True, text=True)
    assert probe.stdout.strip() == "False False"


def test_default_content_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    # `python build.py` builds content/*.yaml; here into a temporary folder, Markdown only for speed.
    assert main(["--out", str(tmp_path), "--format", "md", "-q"]) == 0
    assert (tmp_path / "bigscience" / "bigscience.md").exists()
