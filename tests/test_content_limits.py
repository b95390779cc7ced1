"""Content at the edges: nesting, size, links out of the folder, text nobody can see, and characters
that would defeat verification. Each is a content error with a message, never a traceback or a hang."""

from __future__ import annotations

import os
import pathlib
import unicodedata

import pytest
import yaml

from dossier import yamlfile
from dossier.cli import main
from dossier.content import load_profile
from dossier.document import Document
from dossier.errors import ContentError
from dossier.verify import check_outputs
from helpers import MINIMAL, render_all

PROFILE = MINIMAL
DEEP = "lists and mappings nested more than 64 levels deep; a profile needs fewer than 10"


def errors_of(path, **kwargs) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_profile(path, **kwargs)
    return caught.value.problems


# ------------------------------------------------------------ nesting


def nested(kind: str, levels: int) -> str:
    return {
        "flow lists": "a: " + "[" * levels + "]" * levels + "\n",
        "block lists": "- " * levels + "x\n",
        "flow mappings": "a: " + "{b: " * levels + "1" + "}" * levels + "\n",
    }[kind]


@pytest.mark.parametrize("levels", [65, 500, 999, 1000, 100_000])
@pytest.mark.parametrize("kind, column", [("flow lists", 67), ("block lists", 129), ("flow mappings", 256)])
def test_deep_nesting_is_refused_where_the_limit_is_passed(write_yaml, kind, column, levels):
    path = write_yaml(nested(kind, levels))
    assert errors_of(path) == [f"{path}:1:{column}: (file): {DEEP}"]


def test_deep_indentation_is_refused_at_its_line(write_yaml):
    path = write_yaml("".join(" " * i + "a:\n" for i in range(800)) + " " * 800 + "x\n")
    assert errors_of(path) == [f"{path}:65:65: (file): {DEEP}"]


def test_nesting_up_to_the_limit_is_only_checked_against_the_schema(write_yaml):
    problems = errors_of(write_yaml(nested("flow lists", 63)))  # the top mapping makes 64
    assert problems and not any("nested" in problem for problem in problems)


@pytest.mark.parametrize("text", [nested("flow lists", 1000), nested("block lists", 100_000)])
def test_deep_nesting_without_libyaml(write_yaml, monkeypatch, text):
    """PyYAML's own composer recurses too: the limit holds before it, whichever parser is installed."""
    monkeypatch.setattr(yamlfile, "_BaseLoader", yaml.SafeLoader)
    monkeypatch.setattr(yamlfile, "_Composer", type("_Composer", (yaml.SafeLoader,), {}))
    path = write_yaml(text)
    [problem] = errors_of(path)
    assert problem.endswith(f": (file): {DEEP}")


# ------------------------------------------------------------ size


def test_a_file_over_the_limit_is_refused_from_its_size_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * 1_999_997 + b"\n")

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was read")

    # Opened, to take its size from the descriptor (files.py); not a byte of it read.
    monkeypatch.setattr(pathlib.Path, "read_bytes", no_reading)
    monkeypatch.setattr(os, "read", no_reading)
    assert errors_of(path) == [f"{path}:1:1: (file): file is 2,000,000 bytes; the limit is 1,000,000"]


def test_bytes_over_the_limit_from_a_caller_are_refused(tmp_path):
    path = tmp_path / "huge.yaml"
    assert errors_of(path, data=b"#" * 1_000_001) == [
        f"{path}:1:1: (file): file is 1,000,001 bytes; the limit is 1,000,000"]


# ------------------------------------------------------------ what is not a file of the folder


@pytest.fixture
def outside_link(tmp_path):
    """content/x.yaml, a symbolic link to a YAML file with a secret in another folder."""
    (tmp_path / "private").mkdir()
    secret = tmp_path / "private" / "secret.yaml"
    secret.write_text("password: hunter2\n")
    (tmp_path / "content").mkdir()
    link = tmp_path / "content" / "x.yaml"
    link.symlink_to(secret)
    return link


def outside_message(link) -> str:
    return (f"{link}:1:1: (file): is a symbolic link to a file outside {link.parent}{os.sep}; "
            "copy the file in instead")


def test_a_symbolic_link_out_of_its_folder_is_refused_without_showing_the_target(outside_link):
    assert errors_of(outside_link) == [outside_message(outside_link)]
    # A batch worker passes the bytes it read: the link is refused all the same, nothing of them shown.
    assert errors_of(outside_link, data=outside_link.read_bytes()) == [outside_message(outside_link)]


def test_a_chain_of_links_and_a_dangling_link_out_of_the_folder(outside_link):
    hop = outside_link.parent / "hop.yaml"
    hop.symlink_to("x.yaml")
    assert errors_of(hop) == [outside_message(hop)]
    dangling = outside_link.parent / "gone.yaml"
    dangling.symlink_to(outside_link.parent.parent / "nowhere.yaml")
    assert errors_of(dangling) == [outside_message(dangling)]


def test_a_symbolic_link_within_the_folder_is_fine(tmp_path):
    (tmp_path / "real.yaml").write_text(PROFILE)
    (tmp_path / "alias.yaml").symlink_to("real.yaml")
    assert load_profile(tmp_path / "alias.yaml").name == "Demo"


def test_a_build_through_an_outside_link_writes_nothing(outside_link, capsys):
    out = outside_link.parent.parent / "out"
    code = main([str(outside_link), "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 3 and err == f"error: {outside_message(outside_link)}\n" and "hunter2" not in err
    assert not out.exists() or not any(p.suffix in (".pdf", ".docx", ".md") for p in out.rglob("*"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    assert errors_of(pipe) == [f"{pipe}:1:1: (file): is a named pipe, not a regular file; expected a YAML file"]


def test_a_folder_is_not_a_content_file(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert errors_of(folder) == [f"{folder}:1:1: (file): is a folder, not a regular file; expected a YAML file"]


# ------------------------------------------------------------ text nobody can see


@pytest.mark.parametrize("old, new, where, listed", [
    ("value: Oslo", 'value: "\\u200b"', "18:12: facts.city.value", "U+200B"),
    ("value: Oslo", 'value: "\\u00ad\\ufeff \\u2060\\u200d"', "18:12: facts.city.value", "U+00AD, U+FEFF, U+2060, U+200D"),
    ("label: City", 'label: "\\u200b\\u200c\\u200d\\u2060\\ufeff"', "17:12: facts.city.label",
     "U+200B, U+200C, U+200D, U+2060, ..."),
    ("name: Demo", 'name: "\\u3164"', "2:7: name", "U+3164"),  # a Hangul filler: a letter that draws nothing
    ("title: Story", 'title: "\\u0301\\u0302"', "22:12: sections[0].title", "U+0301, U+0302"),  # marks, no base
    ("  name: Example Press", '  name: "\\u2063"', "8:9: publisher.name", "U+2063"),
    ("lead: The lead.", 'lead: "\\u200b \\u00a0"', "4:7: lead", "U+200B"),
])
def test_a_field_of_invisible_characters_only(write_yaml, old, new, where, listed):
    path = write_yaml(PROFILE.replace(old, new))
    assert errors_of(path) == [f"{path}:{where}: expected visible text, got only invisible characters ({listed})"]


def test_joiners_inside_words_are_real_text_and_verify_in_every_output(write_yaml, env):
    # Devanagari conjunct with a zero-width joiner; an emoji ZWJ sequence.
    path = write_yaml(PROFILE.replace("value: Oslo", 'value: "\\u0915\\u094d\\u200d\\u0937 \\U0001F469\\u200d\\U0001F52C"'))
    profile = load_profile(path)
    outputs = render_all(profile, env)
    checks = check_outputs(Document(profile), {fmt: (fmt, data) for fmt, data in outputs.items()})
    assert [check.describe() for check in checks if not check.ok] == []


# ------------------------------------------------------------ characters that would defeat verification


BIDI = ("a bidirectional control: it reorders the text around it invisibly, so no output could be verified "
        "to show the value as written; remove it")


@pytest.mark.parametrize("char, name", [("\u202e", "right-to-left override"), ("\u202a", "left-to-right embedding"),
                                        ("\u2067", "right-to-left isolate"), ("\u2069", "pop directional isolate")])
def test_bidirectional_controls_in_fact_values_are_refused(write_yaml, char, name):
    path = write_yaml(PROFILE.replace("value: Oslo", f'value: "Os\\u{ord(char):04x}lo"'))
    assert errors_of(path) == [f"{path}:18:12: facts.city.value: contains U+{ord(char):04X} ({name}, at character 3), {BIDI}"]


def test_bidirectional_controls_in_forms_too_since_values_may_name_forms(write_yaml):
    path = write_yaml(PROFILE.replace("value: Oslo", 'value: Oslo\n    forms:\n      old: "\\u202eKristiania"'))
    assert errors_of(path) == [
        f"{path}:20:12: facts.city.forms.old: contains U+202E (right-to-left override, at character 1), {BIDI}"]


def test_direction_marks_and_labels_are_left_alone(write_yaml):
    # U+200F (a mark, not an override) is ordinary in right-to-left text; labels are not verified.
    text = PROFILE.replace("value: Oslo", 'value: "\\u05ea\\u05dc \\u05d0\\u05d1\\u05d9\\u05d1\\u200f"')
    path = write_yaml(text.replace("label: City", 'label: "City \\u2067x\\u2069"'))
    assert load_profile(path).facts["city"].value.endswith("\u200f")


def test_a_variation_selector_in_a_fact_value_verifies_in_every_output(write_yaml, env):
    # U+FE0F is a combining mark (Mn), not a format character (Cf): verification keeps it, so every
    # output must give it back where it was written.
    assert unicodedata.category("\ufe0f") == "Mn"
    path = write_yaml(PROFILE.replace("value: Oslo", 'value: "Oslo \u2764\ufe0f and 1\ufe0f\u20e3"'))
    profile = load_profile(path)
    outputs = render_all(profile, env)
    checks = check_outputs(Document(profile), {fmt: (fmt, data) for fmt, data in outputs.items()})
    assert [check.describe() for check in checks if not check.ok] == []
    assert {check.format for check in checks} == {"md", "docx", "pdf"}


# ------------------------------------------------------------ expansion of all fields together


def test_many_fields_naming_one_big_fact_are_refused(write_yaml):
    big = "x" * 19_000
    items = "".join(f"          - Item {i} is [[big]]\n" for i in range(60))
    text = PROFILE.replace("at_a_glance:", f"  big:\n    label: Big\n    value: {big}\nat_a_glance:") + (
        "      - list:\n" + items)
    path = write_yaml(text)
    fields = ["A demo subject with 12 units.", "The lead.", "12 units", "40", "Oslo", big, "It began in Oslo."]
    total = sum(map(len, fields)) + sum(len(f"Item {i} is ") + len(big) for i in range(60))
    assert errors_of(path) == [
        (f"{path}:1:1: (top level): the text of all fields expands to {total:,} characters once fact "
         "references are replaced; the limit is 1,000,000")]
