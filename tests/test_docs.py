"""The documentation: reference pages generated from the code and current, the site builds strictly, every
option is explained, the template context is what its declaration says, the README is short."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys

import pytest

from dossier.cli import COMMANDS, make_parser
from dossier.document import CONTEXT, Document
from dossier.formats.pdf.factsheet import FACT_SHEET_CONTEXT, template_context
from dossier.options import OPTIONS
from helpers import ROOT

DOCS = ROOT / "docs"


def _generator():
    spec = importlib.util.spec_from_file_location("make_reference", ROOT / "scripts" / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["cli.md", "content.md", "context.md", "exit-codes.md"])
def test_each_reference_page_is_what_the_code_makes_now(name):
    made = _generator().pages()[name]
    written = (DOCS / "reference" / name).read_text(encoding="utf-8")
    assert written == made, f"docs/reference/{name} is stale: run .venv/bin/python scripts/make_reference.py"


def test_the_site_builds_with_warnings_as_errors(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(ROOT / ".venv" / "bin")) or shutil.which("mkdocs")
    command = [mkdocs] if mkdocs else [sys.executable, "-m", "mkdocs"]
    done = subprocess.run([*command, "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").is_file()


def test_every_option_and_flag_is_explained_outside_the_generated_reference():
    text = "\n".join(path.read_text(encoding="utf-8") for path in DOCS.rglob("*.md")
                     if path.parent.name != "reference")
    flags = {option.cli_flag for option in OPTIONS.values() if option.name != "content"}
    for parser in _generator()._subparsers(make_parser()).values():
        flags.update(flag for action in parser._actions for flag in action.option_strings if flag.startswith("--"))
    assert sorted(flag for flag in flags if not re.search(re.escape(flag) + r"(?![\w-])", text)) == []
    assert sorted(command for command in COMMANDS if f"dossier {command}" not in text) == []


def test_the_declared_template_context_is_the_context(bigscience, env):
    document = Document(bigscience, env)
    assert list(document.context) == list(CONTEXT)
    assert set(template_context(document, "a4")) | {"font_size"} == set(CONTEXT) | set(FACT_SHEET_CONTEXT)


def test_the_readme_is_short_and_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(readme) <= 150
    assert readme[2:6] == [
        "```sh",
        "sh scripts/setup.sh && .venv/bin/python build.py      # set up, then build content/*.yaml into output/",
        "sh scripts/setup.sh && .venv/bin/python -m pytest     # set up, then run the tests",
        "```"]
