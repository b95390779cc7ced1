"""The installed wheel, not the checkout: built from the tracked files, installed into a fresh venv, used in an empty folder."""

from __future__ import annotations

import os
import shutil
import signal
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import DEADLINE_S, ROOT, Lines, edit


def tracked_files() -> list[str]:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs a git checkout to know which files a clean clone has")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A venv whose only dossier is the wheel built from a copy of the tracked files.

    The wheel is built without network access (--no-build-isolation, with this venv's
    setuptools). Its dependencies come from this venv's site-packages through a .pth
    line, which makes them importable without running this venv's own .pth files: the
    editable install of the checkout stays invisible to it.
    """
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    for name in tracked_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(base / "dist"), str(source)], check=True,
                   capture_output=True)
    [wheel] = (base / "dist").glob("dossier-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # its pip is bundled: no network
    python = venv / "bin" / "python"
    venv_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                    capture_output=True, text=True, check=True).stdout.strip())
    (venv_site / "outer-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(wheel)], check=True, capture_output=True)
    return wheel, venv


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


def test_the_wheel_carries_the_default_theme_and_the_starter(installed):
    wheel, _venv = installed
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("dossier/templates/factsheet.html.j2", "dossier/templates/factsheet.css",
                 "dossier/templates/report.md.j2", "dossier/templates/reference.docx", "dossier/schema.json",
                 "dossier/starter/profile.yaml", "dossier/starter/dossier.toml"):
        assert name in names
    assert not [name for name in names if name.startswith(("templates/", "tests/", "content/"))]
    # Every module of the package travels: packages are found, not listed (setup.py).
    modules = [name for name in tracked_files() if name.startswith("dossier/") and name.endswith(".py")]
    assert [name for name in modules if name not in names] == []
    assert not [name for name in names if "__pycache__" in name]


def test_the_installed_wheel_works_in_an_empty_folder(installed, tmp_path):
    _wheel, venv = installed
    where = run(venv, "python", "-c", "import dossier, dossier.templating as t; "
                "print(dossier.__file__); print(t.default_theme_folder())", cwd=tmp_path)
    module, theme = where.stdout.split()
    assert module.startswith(str(venv)) and theme.startswith(str(venv)), where.stdout  # not the checkout

    made = run(venv, "dossier", "new", "acme-lab", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "content" / "acme-lab.yaml").is_file() and (tmp_path / "dossier.toml").is_file()

    built = run(venv, "dossier", "build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert sorted(p.name for p in (tmp_path / "output" / "acme-lab").iterdir()) == [
        "acme-lab-factsheet.pdf", "acme-lab-report.docx", "acme-lab.md"]
    assert built.stdout.splitlines()[-1].startswith("built 1, skipped 0, failed 0")

    checked = run(venv, "python", "-m", "dossier", "check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert run(venv, "dossier", "build", cwd=tmp_path).stdout.splitlines()[-1].startswith("built 0, skipped 1")

    schema = run(venv, "dossier", "schema", cwd=tmp_path)
    assert schema.returncode == 0 and schema.stdout == (ROOT / "dossier" / "schema.json").read_text()
    config = run(venv, "dossier", "config", cwd=tmp_path)
    assert f"# project file: {tmp_path / 'dossier.toml'}" in config.stdout


def test_a_letter_project_file_and_a_bad_paper(installed, tmp_path):
    _wheel, venv = installed
    assert run(venv, "dossier", "new", "acme-lab", cwd=tmp_path).returncode == 0
    toml = tmp_path / "dossier.toml"
    toml.write_text(toml.read_text().replace('paper = "a4"', 'paper = "letter"'))
    built = run(venv, "dossier", "--format", "pdf", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    size = run(venv, "python", "-c", "import pypdfium2, sys; page = pypdfium2.PdfDocument(sys.argv[1])[0]; "
               "print(round(page.get_width()), round(page.get_height()))",
               str(tmp_path / "output" / "acme-lab" / "acme-lab-factsheet.pdf"), cwd=tmp_path)
    assert size.stdout.split() == ["612", "792"]  # US Letter, in points

    bad = run(venv, "dossier", "--paper", "a5", cwd=tmp_path)
    assert (bad.returncode, bad.stderr) == (2, "error: --paper: expected one of a4, letter, got 'a5'\n")


COMMANDS = ("build", "check", "new", "schema", "watch", "config", "review", "redline")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_its_help_from_the_wheel(installed, tmp_path, command):
    _wheel, venv = installed
    shown = run(venv, "dossier", command, "--help", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.startswith(f"usage: dossier {command}"), shown.stderr
    assert "exit codes:" in shown.stdout or command in ("new", "schema")


def test_review_and_redline_from_the_wheel(installed, tmp_path):
    """The editing round trip as a pip user has it: the modules of dossier.review travel in the wheel."""
    _wheel, venv = installed
    assert run(venv, "dossier", "new", "acme-lab", cwd=tmp_path).returncode == 0
    assert run(venv, "dossier", "build", "--format", "docx", cwd=tmp_path).returncode == 0
    report = tmp_path / "output" / "acme-lab" / "acme-lab-report.docx"

    unedited = run(venv, "dossier", "review", str(report), cwd=tmp_path)
    assert (unedited.returncode, unedited.stdout.splitlines()[-1]) == (
        0, "no changes: the report says what its content says"), unedited.stderr

    edited = tmp_path / "edited.docx"
    script = ("import docx, sys; word = docx.Document(sys.argv[1]); "
              "p = next(p for p in word.paragraphs if 'Acme Lab' in p.text and p.style.name == 'Title'); "
              "p.runs[0].text = p.runs[0].text.replace('Acme Lab', 'Acme Laboratory'); word.save(sys.argv[2])")
    assert run(venv, "python", "-c", script, str(report), str(edited), cwd=tmp_path).returncode == 0
    changed = run(venv, "dossier", "review", str(edited), cwd=tmp_path)
    assert changed.returncode == 10, changed.stdout + changed.stderr
    assert "Acme [-Lab-] {+Laboratory+}" in changed.stdout and "1 change; " in changed.stdout

    content = tmp_path / "content" / "acme-lab.yaml"
    newer = tmp_path / "content" / "acme-lab-next.yaml"
    newer.write_text(content.read_text(encoding="utf-8").replace("name: Acme Lab", "name: Acme Laboratory"),
                     encoding="utf-8")
    redline = run(venv, "dossier", "redline", str(content), str(newer), "-o", "redline.docx", cwd=tmp_path)
    assert redline.returncode == 0, redline.stderr
    assert redline.stdout.startswith("wrote redline.docx: ") and (tmp_path / "redline.docx").is_file()


def test_watch_from_the_wheel_rebuilds_on_a_save_and_stops_on_ctrl_c(installed, tmp_path):
    _wheel, venv = installed
    assert run(venv, "dossier", "new", "acme-lab", cwd=tmp_path).returncode == 0
    content = tmp_path / "content" / "acme-lab.yaml"
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    process = subprocess.Popen([str(venv / "bin" / "dossier"), "watch", "--format", "md"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        out = Lines()
        out.follow(process.stdout)
        assert out.until("watching ")[-1].endswith("last build exit code 0")
        edit(content, "name: Acme Lab", "name: Acme Laboratory")
        lines = out.until("watching ")
        assert lines[0] == f"changed: {content.resolve()}" and lines[-1].endswith("last build exit code 0"), lines
        assert "# Acme Laboratory" in (tmp_path / "output" / "acme-lab" / "acme-lab.md").read_text(encoding="utf-8")
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=DEADLINE_S)
        process.stdout.close()
        process.stderr.close()
    assert code == 130
