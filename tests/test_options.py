"""Options declared once: each kind checked at the edge, by the command line and by dossier.build alike."""

from __future__ import annotations

from pathlib import Path

import pytest

import dossier
from dossier.batch.plan import base_keys
from dossier.cli import main, make_parser
from dossier.errors import UsageError
from dossier.options import FORMAT_NAMES, OPTIONS, RenderOptions, affecting, affecting_any, resolve
from dossier.pipeline import BuildConfig
from helpers import AURORA


@pytest.fixture(autouse=True)
def no_project_file(tmp_path, monkeypatch):
    """Run in an empty folder: no project file of the checkout or the machine takes part."""
    monkeypatch.chdir(tmp_path)


def check(name: str, value, **kwargs):
    return OPTIONS[name].check(value, where=OPTIONS[name].name, **kwargs)


# -- each kind of option ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [("a4", "a4"), ("letter", "letter"), ("LETTER", "letter")])
def test_choice_accepts_its_choices_in_any_case(value, expected):
    assert check("paper", value) == expected


@pytest.mark.parametrize("value, shown", [("a5", "'a5'"), ("", "''"), (4, "4"), (None, "None"), (["a4"], "list")])
def test_choice_refuses_anything_else_naming_the_choices(value, shown):
    with pytest.raises(UsageError) as caught:
        check("paper", value)
    assert caught.value.message == f"paper: expected one of a4, letter, got {shown}"


def test_count_takes_digits_only_from_the_command_line():
    assert check("jobs", "3", text=True) == 3
    assert check("jobs", 3) == 3
    with pytest.raises(UsageError, match=r"^jobs: expected a whole number of at least 1, got '3'$"):
        check("jobs", "3")  # a project file or a Python caller writes a number as a number


@pytest.mark.parametrize("value, shown", [(0, "0"), ("0", "0"), (-2, "-2"), (True, "True"), (2.5, "2.5"),
                                          ("two", "'two'"), ("²", "'²'")])
def test_count_refuses_what_is_not_a_whole_number_of_at_least_one(value, shown):
    with pytest.raises(UsageError) as caught:
        check("jobs", value, text=True)
    assert caught.value.message == f"jobs: expected a whole number of at least 1, got {shown}"


def test_count_may_be_left_to_its_default():
    assert check("jobs", None) is None


def test_flag_is_true_or_false_only():
    assert check("strict", True) is True
    for value in ("yes", 1, None):
        with pytest.raises(UsageError, match=r"^strict: expected true or false, got "):
            check("strict", value)


@pytest.mark.parametrize("value", ["md", "md,pdf", " md , pdf ", ["md", "pdf"], ("md", "pdf", "md")])
def test_formats_take_a_list_or_names_separated_by_commas(value):
    assert check("formats", value) in (("md",), ("md", "pdf"))


def test_formats_refuse_unknown_and_empty_lists():
    with pytest.raises(UsageError) as unknown:
        check("formats", "pdf,html")
    assert unknown.value.message == "formats: unknown format 'html' (known: pdf, docx, md)"
    with pytest.raises(UsageError) as empty:
        check("formats", " , ")
    assert empty.value.message == "formats: no format given (known: pdf, docx, md)"
    with pytest.raises(UsageError) as wrong_type:
        check("formats", 3)
    assert wrong_type.value.message == "formats: expected format names separated by commas (pdf, docx, md), got 3"


def test_paths_are_taken_from_the_base_folder_unless_absolute(tmp_path):
    assert check("out", "build", base=tmp_path) == str(tmp_path / "build")
    assert check("out", "/elsewhere/build", base=tmp_path) == "/elsewhere/build"
    assert check("out", "build") == "build"  # the command line: as given, from the current folder
    assert check("content", "content", base=tmp_path) == (str(tmp_path / "content"),)
    assert check("content", ["a.yaml", "b"], base=tmp_path) == (str(tmp_path / "a.yaml"), str(tmp_path / "b"))


@pytest.mark.parametrize("name, value, message", [
    ("out", 3, "out: expected a path, got 3"),
    ("out", " ", "out: expected a path, got ' '"),
    ("content", [], "content: expected a path or a list of paths, got list"),
    ("content", ["a", 2], "content: expected a path or a list of paths, got list"),
    ("dask_scheduler", 8786, "dask_scheduler: expected text, got 8786"),
])
def test_paths_and_text_refuse_other_types(name, value, message):
    with pytest.raises(UsageError) as caught:
        check(name, value)
    assert caught.value.message == message


# -- resolve: layers, origins -----------------------------------------------------------------------------

def test_resolve_layers_later_wins_and_records_origins():
    settings = resolve([("dossier.toml:3", {"paper": "letter", "jobs": 2}), ("command line", {"jobs": "4"})])
    assert (settings.paper, settings.jobs, settings.formats) == ("letter", 4, FORMAT_NAMES)
    assert settings.origins["paper"] == "dossier.toml:3"
    assert settings.origins["jobs"] == "command line"
    assert settings.origins["formats"] == "default"
    assert dict(settings)["paper"] == settings["paper"] == "letter"


def test_resolve_names_each_layer_its_own_way():
    with pytest.raises(UsageError, match=r"^--paper: expected one of a4, letter, got 'a5'$"):
        resolve([("command line", {"paper": "a5"})])
    with pytest.raises(UsageError, match=r"^paper: expected one of a4, letter, got 'a5'$"):
        resolve([("dossier.build()", {"paper": "a5"})])
    with pytest.raises(UsageError, match=r"^dossier.toml:4: paper: expected one of a4, letter, got 'a5'$"):
        resolve([("dossier.toml:4", {"paper": "a5"})])


def test_resolve_refuses_an_unknown_option_listing_the_known_ones():
    with pytest.raises(UsageError) as caught:
        resolve([("dossier.build()", {"colour": "red"})])
    assert caught.value.message == f"dossier.build(): unknown option 'colour' (known: {', '.join(OPTIONS)})"


def test_settings_replace_checks_the_changes_and_keeps_the_origins():
    settings = resolve([("dossier.toml:3", {"paper": "letter"})])
    changed = settings.replace(formats="md")
    assert (changed.formats, changed.paper, changed.origins["paper"]) == (("md",), "letter", "dossier.toml:3")
    with pytest.raises(UsageError, match="^jobs: "):
        settings.replace(jobs=0)


# -- the command line and dossier.build read the same declarations ----------------------------------------

def test_every_option_is_a_flag_of_the_commands_it_belongs_to():
    parser = make_parser()
    commands = {action.dest: action for action in parser._actions if action.dest == "command"}["command"].choices
    for option in OPTIONS.values():
        for command in ("build", "check", "watch"):
            help_text = commands[command].format_help()
            shown = "PATHS" if option.name == "content" else option.cli_flag
            assert (shown in help_text) == (command in option.commands), (option.name, command)


@pytest.mark.parametrize("argv, message", [
    (["--paper", "a5"], "--paper: expected one of a4, letter, got 'a5'"),
    (["--jobs", "0"], "--jobs: expected a whole number of at least 1, got 0"),
    (["-j", "two"], "--jobs: expected a whole number of at least 1, got 'two'"),
    (["--format", "pdf,html"], "--format: unknown format 'html' (known: pdf, docx, md)"),
    (["--format", ","], "--format: no format given (known: pdf, docx, md)"),
])
def test_a_bad_value_on_the_command_line_is_exit_2_said_once(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert main([str(AURORA), "--out", str(out), *argv]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {message}\n"
    assert captured.out == ""
    assert not out.exists()  # refused before anything was built


def test_a_bad_value_is_refused_by_watch_and_check_too(tmp_path, capsys):
    assert main(["watch", str(AURORA), "--paper", "a5"]) == 2
    assert capsys.readouterr().err == "error: --paper: expected one of a4, letter, got 'a5'\n"
    assert main(["check", str(AURORA), "--format", "html"]) == 2
    assert capsys.readouterr().err == "error: --format: unknown format 'html' (known: pdf, docx, md)\n"


@pytest.mark.parametrize("options, message", [
    ({"paper": "a5"}, "paper: expected one of a4, letter, got 'a5'"),
    ({"jobs": 0}, "jobs: expected a whole number of at least 1, got 0"),
    ({"formats": ("md", "html")}, "formats: unknown format 'html' (known: pdf, docx, md)"),
    ({"colour": "red"}, f"dossier.build(): unknown option 'colour' (known: {', '.join(OPTIONS)})"),
])
def test_a_bad_keyword_of_dossier_build_raises_before_anything_is_built(tmp_path, options, message):
    out = tmp_path / "out"
    with pytest.raises(UsageError) as caught:
        dossier.build([AURORA], out=out, **options)
    assert caught.value.message == message
    assert caught.value.exit_code == 2
    assert not out.exists()


# -- an option rebuilds only the outputs it affects ---------------------------------------------------------

def test_the_declared_effects():
    names = {fmt: [option.name for option in affecting(fmt)] for fmt in FORMAT_NAMES}
    assert names == {"pdf": ["paper", "keep_html", "strict"], "docx": ["strict"], "md": ["strict"]}


def test_the_writers_options_are_the_declared_ones_with_the_declared_defaults():
    fields = RenderOptions.__dataclass_fields__
    assert set(fields) == {option.name for option in affecting_any()} | {"reference_docx"}
    assert all(getattr(RenderOptions(), option.name) == option.default for option in affecting_any())
    settings = resolve([("test", {"paper": "letter", "strict": True})])
    assert RenderOptions.from_settings(settings) == RenderOptions(paper="letter", strict=True)


def test_paper_changes_the_fact_sheet_key_alone():
    a4 = base_keys(BuildConfig(options=RenderOptions(paper="a4")))
    letter = base_keys(BuildConfig(options=RenderOptions(paper="letter")))
    assert [fmt for fmt in FORMAT_NAMES if a4[fmt] != letter[fmt]] == ["pdf"]
    strict = base_keys(BuildConfig(options=RenderOptions(strict=True)))
    assert all(a4[fmt] != strict[fmt] for fmt in FORMAT_NAMES)


def test_a_new_paper_rebuilds_the_pdf_alone(tmp_path, capsys):
    out = tmp_path / "out"
    args = [str(AURORA), "--out", str(out), "--format", "pdf,md", "--jobs", "1"]
    assert main(args) == 0
    markdown = out / "aurora" / "aurora.md"
    before = markdown.stat().st_mtime_ns
    capsys.readouterr()
    assert main([*args, "--paper", "letter"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[1] for line in lines if line.startswith("ok: ")] == [
        str(out / "aurora" / "aurora-factsheet.pdf")]
    assert lines[-1].startswith("built 1, skipped 0, failed 0, in ")
    assert markdown.stat().st_mtime_ns == before
    assert main([*args, "--paper", "letter"]) == 0
    assert capsys.readouterr().out.startswith("skipped: ")


def test_dossier_build_reads_the_same_declarations(tmp_path):
    [result] = dossier.build([AURORA], out=tmp_path / "out", formats="md", jobs=1)
    assert result.ok and result.status == "built"
    assert Path(result.outputs["md"]) == tmp_path / "out" / "aurora" / "aurora.md"
