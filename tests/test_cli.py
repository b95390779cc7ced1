"""The command line: what is built where, exit codes, --check, and nothing lost on failure."""

from __future__ import annotations

import hashlib
import json
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
    assert main([str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out")]) == 2
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


# -- commands -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command, flags", [
    ("build", ["PATHS", "--out", "--format", "--templates", "--reference-docx", "--paper", "--jobs", "--strict",
               "--force", "--quiet", "--dask-scheduler", "--check"]),
    ("check", ["PATHS", "--out", "--format", "--strict", "--quiet"]),
    ("new", ["SLUG", "--content"]),
    ("schema", ["--output"]),
    ("watch", ["PATHS", "--out", "--format", "--templates", "--reference-docx", "--paper", "--jobs", "--strict",
               "--quiet"]),
    ("config", ["--out", "--format", "--paper", "--jobs", "--strict"]),
])
def test_help_of_each_command_lists_its_options_and_the_exit_codes(capsys, command, flags):
    with pytest.raises(SystemExit) as stopped:
        main([command, "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: dossier {command} ")
    assert "\nexit codes:\n" in text and "  130  interrupted" in text and "    2  usage error" in text
    for flag in flags:
        assert flag in text, flag
    if command in ("check", "watch"):
        assert "--force" not in text and "--dask-scheduler" not in text


def test_help_without_a_command_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("build", "check", "new", "schema", "watch", "config"):
        assert f"\n    {command} " in text
    assert "exit codes:" in text


def test_python_m_dossier_version():
    from dossier import __version__

    result = subprocess.run([sys.executable, "-m", "dossier", "--version"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"dossier {__version__}\n", "")


def test_an_unknown_command_line_flag_is_exit_2(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--colour", "red"])
    assert stopped.value.code == 2
    assert "error: unrecognized arguments: --colour\n" in capsys.readouterr().err


def test_check_command_is_the_check_flag(built, capsys):
    source, out = built
    capsys.readouterr()
    assert main(["check", str(source), "--out", str(out)]) == 0
    by_command = capsys.readouterr().out.splitlines()
    assert main([str(source), "--out", str(out), "--check"]) == 0
    by_flag = capsys.readouterr().out.splitlines()
    assert by_command[:-1] == by_flag[:-1] and len(by_command) == 4  # three ok lines, then the summary
    assert main(["check", str(source), "--out", str(out / "elsewhere")]) == 6
    assert "not found; build it first" in capsys.readouterr().err


def test_build_is_the_default_command_with_every_old_flag(tmp_path, aurora_copy, capsys):
    out = tmp_path / "out"
    old_style = [str(aurora_copy), "--out", str(out), "--format", "md", "--paper", "letter", "--jobs", "1",
                 "--strict", "--force", "--templates", str(tmp_path / "theme"), "--reference-docx",
                 str(tmp_path / "r.docx")]
    (tmp_path / "theme").mkdir()
    (tmp_path / "r.docx").write_bytes(b"not read: only the Word report reads it")
    assert main(old_style) == 0
    assert main(["build", *old_style]) == 0
    assert capsys.readouterr().out.count("built 1, skipped 0, failed 0") == 2


def test_schema_prints_the_published_schema(capsys):
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == (ROOT / "dossier" / "schema.json").read_text(encoding="utf-8")
    assert json.loads(printed)["$schema"].startswith("https://json-schema.org/")


def test_schema_output_writes_the_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["schema", "-o", "editor/schema.json"]) == 0
    assert capsys.readouterr().out == "wrote editor/schema.json\n"
    assert (tmp_path / "editor" / "schema.json").read_bytes() == (ROOT / "dossier" / "schema.json").read_bytes()
    assert main(["schema", "--output", "here.json"]) == 0
    assert (tmp_path / "here.json").read_bytes() == (ROOT / "dossier" / "schema.json").read_bytes()
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []


def test_a_reader_that_stops_early_is_no_error(tmp_path):
    # `dossier schema | head -1`: the pipe closes before dossier writes; no traceback, the shell's SIGPIPE code.
    process = subprocess.Popen([sys.executable, "-m", "dossier", "schema"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=tmp_path)
    process.stdout.close()
    assert process.wait(timeout=30) == 141
    assert process.stderr.read() == b""
    process.stderr.close()
