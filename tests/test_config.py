"""The project file: dossier.toml or [tool.dossier], checked with file:line:key, below the command line."""

from __future__ import annotations

import shutil

import pytest

from dossier.cli import main
from dossier.config import effective_settings, find_project_file, read_project_file
from dossier.options import OPTIONS
from helpers import AURORA

ALLOWED = ", ".join(name for name, option in OPTIONS.items() if option.in_project)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder, the current folder; returns a writer of its dossier.toml."""
    root = tmp_path.resolve()
    monkeypatch.chdir(root)

    def write(text: str, name: str = "dossier.toml"):
        path = root / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def config_output(capsys, *argv) -> tuple[str, dict[str, tuple[str, str]]]:
    """`dossier config`'s first line, and {name: (value as JSON, origin)} from the others."""
    assert main(["config", *argv]) == 0
    first, *lines = capsys.readouterr().out.splitlines()
    settings = {}
    for line in lines:
        setting, origin = line.rsplit(" # ", 1)
        name, value = setting.split(" = ", 1)
        settings[name.strip()] = (value.strip(), origin)
    return first, settings


# -- precedence and origins -----------------------------------------------------------------------------

def test_config_without_a_project_file_shows_the_defaults(project, capsys):
    first, settings = config_output(capsys)
    assert first == "# project file: none (defaults and the command line only)"
    assert list(settings) == list(OPTIONS)
    assert settings["paper"] == ('"a4"', "default")
    assert settings["formats"] == ('["pdf", "docx", "md"]', "default")
    assert settings["jobs"] == ("null", "default")


def test_defaults_then_project_file_then_command_line(project, capsys, tmp_path):
    toml = project('# my project\n\npaper = "letter"\nformats = ["md"]\njobs = 2\n')
    first, settings = config_output(capsys, "--jobs", "3", "--out", "build")
    assert first == f"# project file: {toml}"
    assert settings["paper"] == ('"letter"', f"{toml}:3")
    assert settings["formats"] == ('["md"]', f"{toml}:4")
    assert settings["jobs"] == ("3", "command line")
    assert settings["out"] == ('"build"', "command line")  # as given: the command line's paths are the shell's
    assert settings["templates"] == ("null", "default")


def test_content_paths_on_the_command_line_override_the_project_file(project, capsys):
    project('content = "elsewhere"\n')
    _first, settings = config_output(capsys, "mine.yaml")
    assert settings["content"] == ('["mine.yaml"]', "command line")


def test_pyproject_tool_dossier_table(project, capsys, tmp_path):
    pyproject = project('[project]\nname = "briefings"\n\n[tool.dossier]\npaper = "letter"\nout = "build"\n'
                        '\n[tool.other]\npaper = "a5"\n', name="pyproject.toml")
    first, settings = config_output(capsys)
    assert first == f"# project file: {pyproject}"
    assert settings["paper"] == ('"letter"', f"{pyproject}:5")
    assert settings["out"] == (f'"{tmp_path.resolve() / "build"}"', f"{pyproject}:6")


def test_dossier_toml_wins_over_pyproject_in_the_same_folder(project, capsys):
    project('[tool.dossier]\npaper = "a4"\n', name="pyproject.toml")
    toml = project('paper = "letter"\n')
    _first, settings = config_output(capsys)
    assert settings["paper"] == ('"letter"', f"{toml}:1")


def test_a_pyproject_without_tool_dossier_is_passed_over(project, tmp_path):
    project('[project]\nname = "x"\n', name="pyproject.toml")
    assert find_project_file(tmp_path.resolve()) is None
    project('[project\nname = "broken, and none of our business"\n', name="pyproject.toml")
    assert find_project_file(tmp_path.resolve()) is None


def test_the_nearest_project_file_upwards(project, tmp_path):
    toml = project('paper = "letter"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_project_file(deep.resolve()).path == toml


# -- paths from the project file's folder ------------------------------------------------------------

def test_relative_paths_are_taken_from_the_project_files_folder(project, tmp_path, monkeypatch, capsys):
    root = tmp_path.resolve()
    project('content = "content"\nout = "output"\ntemplates = "theme"\nformats = "md"\n')
    (root / "content").mkdir()
    shutil.copy(AURORA, root / "content" / "aurora.yaml")
    (root / "theme").mkdir()
    below = root / "content" / "drafts"
    below.mkdir()
    monkeypatch.chdir(below)
    _first, settings = config_output(capsys)
    assert settings["content"][0] == f'["{root / "content"}"]'
    assert settings["templates"][0] == f'"{root / "theme"}"'
    assert main(["build", "-q"]) == 0
    assert sorted(p.name for p in (root / "output" / "aurora").iterdir()) == ["aurora.md"]
    assert not (below / "output").exists()


# -- bad project files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, line, message", [
    ('paper = "a5"\n', 1, "paper: expected one of a4, letter, got 'a5'"),
    ('out = "output"\n\njobs = 0\n', 3, "jobs: expected a whole number of at least 1, got 0"),
    ('jobs = "2"\n', 1, "jobs: expected a whole number of at least 1, got '2'"),
    ('formats = ["pdf", "html"]\n', 1, "formats: unknown format 'html' (known: pdf, docx, md)"),
    ('strict = "yes"\n', 1, "strict: expected true or false, got 'yes'"),
    ('out = 3\n', 1, "out: expected a path, got 3"),
    ('content = []\n', 1, "content: expected a path or a list of paths, got list"),
    ('"paper" = { size = "a4" }\n', 1, "paper: expected one of a4, letter, got dict"),
])
def test_a_wrong_type_is_exit_2_with_file_line_and_key(project, capsys, text, line, message):
    toml = project(text)
    assert main([str(AURORA), "--out", "out"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {toml}:{line}: {message}\n"
    assert captured.out == ""


def test_a_wrong_type_in_pyproject_names_the_key_path(project, capsys):
    pyproject = project('[tool.black]\nline-length = 88\n\n[tool.dossier]\nformats = "md"\npaper = "a5"\n',
                        name="pyproject.toml")
    assert main(["config"]) == 2
    assert capsys.readouterr().err == f"error: {pyproject}:6: tool.dossier.paper: expected one of a4, letter, got 'a5'\n"


def test_a_value_given_on_the_command_line_is_still_checked_in_the_project_file(project, capsys):
    toml = project('paper = "a5"\n')
    # The project file is wrong whatever the command line says: saying so now beats a surprise later.
    assert main(["config", "--paper", "letter"]) == 2
    assert capsys.readouterr().err == f"error: {toml}:1: paper: expected one of a4, letter, got 'a5'\n"


def test_a_toml_syntax_error_names_line_and_column(project, capsys):
    toml = project('paper = "a4"\nformats = ["pdf",\nout = \n')
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {toml}:3:")
    assert ": TOML syntax error: " in err and "(at line" not in err
    project('paper = "a4"\njobs = \n')
    assert main(["config"]) == 2
    assert capsys.readouterr().err == f"error: {toml}:2:8: TOML syntax error: Invalid value\n"


def test_an_unknown_key_is_a_warning_naming_its_line(project, capsys, tmp_path):
    toml = project('paper = "letter"\n# a comment\npapr = "a4"\nformats = "md"\n')
    assert main([str(AURORA), "--out", "out", "-q"]) == 0
    assert capsys.readouterr().err == ""  # -q: errors only
    assert main([str(AURORA), "--out", "out"]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"warning: {toml}:3: papr: unknown key 'papr' (expected one of: {ALLOWED})\n"
    assert captured.out.startswith("skipped: ")


def test_an_unknown_key_is_an_error_under_strict(project, capsys, tmp_path):
    toml = project('papr = "a4"\n')
    assert main([str(AURORA), "--out", "out", "--strict"]) == 2
    assert capsys.readouterr().err == (f"error: {toml}:1: papr: unknown key 'papr' (expected one of: {ALLOWED}) "
                                       "(an error under --strict)\n")
    assert not (tmp_path / "out").exists()


def test_strict_in_the_project_file_makes_unknown_keys_errors_too(project, capsys):
    toml = project('strict = true\n\n[extras]\nx = 1\n')
    assert main(["config"]) == 2
    assert capsys.readouterr().err == (f"error: {toml}:3: extras: unknown key 'extras' (expected one of: {ALLOWED}) "
                                       "(an error under --strict)\n")


def test_command_line_only_options_are_unknown_in_the_project_file(project):
    toml = project('force = true\nquiet = true\n')
    assert [w.split(": ", 2)[1] for w in read_project_file(toml).warnings] == ["force", "quiet"]


def test_unknown_keys_in_pyproject_name_the_table(project):
    pyproject = project('[tool.dossier]\npaper = "a4"\n"colour" = "red"\n\n[tool.dossier.extra]\nx = 1\n',
                        name="pyproject.toml")
    warnings = read_project_file(pyproject).warnings
    assert warnings == [
        f"{pyproject}:3: tool.dossier.colour: unknown key 'colour' (expected one of: {ALLOWED})",
        f"{pyproject}:5: tool.dossier.extra: unknown key 'extra' (expected one of: {ALLOWED})",
    ]


def test_a_byte_order_mark_is_allowed(project, tmp_path, capsys):
    (tmp_path / "dossier.toml").write_bytes(b'\xef\xbb\xbfpaper = "letter"\n')
    _first, settings = config_output(capsys)
    assert settings["paper"][0] == '"letter"'


def test_effective_settings_from_another_folder(project, tmp_path):
    project('paper = "letter"\nout = "build"\n')
    settings, found = effective_settings({"formats": "md"}, cwd=tmp_path)
    assert (settings.paper, settings.out, settings.formats) == ("letter", str(tmp_path.resolve() / "build"), ("md",))
    assert found.values == {"paper": "letter", "out": str(tmp_path.resolve() / "build")}
