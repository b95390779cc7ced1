"""Bad and hostile input: a clear error, the right exit code, nothing lost, nothing evaluated."""

from __future__ import annotations

import builtins
import hashlib
import re

import pytest
import yaml

from dossier.cli import main
from dossier.content import load_profile
from dossier.document import Document, split_front_matter
from dossier.formats import FORMATS
from helpers import AURORA, render, render_all


def run(capsys, *args) -> tuple[int, str]:
    code = main([*map(str, args), "-q"])
    return code, capsys.readouterr().err


def aurora_with(tmp_path, edit) -> "Path":  # noqa: F821
    data = yaml.safe_load(AURORA.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ------------------------------------------------------------ content errors, through the CLI


@pytest.mark.parametrize("text, expected", [
    ("slug: x\nname: [a\n", "YAML syntax error"),
    ("# only a comment\n", "(file): the file is empty; expected a profile mapping"),
    ("slug: a\nslug: b\n", "2:1: slug: duplicate key 'slug' (first defined at line 1)"),
    ("a: &x [1]\nb: *x\n", "2:4: b: YAML alias *x is not supported; write the value out"),
    ("name: !!python/object/apply:os.system [echo]\n", "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("slug: 7\n", "1:7: slug: expected a string, got a number 7"),
])
def test_content_errors_exit_3_with_file_line_and_no_traceback(tmp_path, capsys, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3
    assert err.startswith(f"error: {path}:") and expected in err
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "x").exists()


def test_bytes_that_are_not_utf8(tmp_path, capsys):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("slug: x\nname: Zoë\n".encode("latin-1"))
    assert run(capsys, path, "--out", tmp_path / "out") == (3, f"error: {path}:2:9: (file): not UTF-8 text (byte 0xeb)\n")


def test_a_file_over_the_size_limit(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * 1_000_000 + b"\n")
    assert run(capsys, path, "--out", tmp_path / "out") == (
        3, f"error: {path}:1:1: (file): file is 1,000,003 bytes; the limit is 1,000,000\n")


def test_billion_laughs_is_refused_quickly(tmp_path, capsys):
    lines = ["a: &a ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']"]
    for i in range(1, 10):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    path = tmp_path / "lol.yaml"
    path.write_text("\n".join(lines) + "\n")
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3 and err.count(" is not supported; write the value out") == 10
    assert err.endswith(f"error: {path}:1:1: (top level): ... and 62 more YAML aliases\n")


def test_missing_required_fields_and_wrong_types_are_listed_together(tmp_path, capsys):
    path = aurora_with(tmp_path, lambda d: (d.pop("lead"), d["facts"]["budget"].update(value=["x"])))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3
    first, second = err.splitlines()
    assert first == f"error: {path}:1:1: (top level): missing required key 'lead'"
    line, column = re.match(rf"error: {re.escape(str(path))}:(\d+):(\d+): facts\.budget\.value: "
                            r"expected a string, got a list$", second).groups()
    assert path.read_text().splitlines()[int(line) - 1][int(column) - 1:] == "- x"  # points at the value


def test_unknown_keys_warn_and_fail_under_strict(tmp_path, capsys):
    path = aurora_with(tmp_path, lambda d: d["publisher"].update(colour="blue"))
    code, err = run(capsys, path, "--out", tmp_path / "o", "--format", "md")
    assert code == 0 and "warning: " in err and "publisher.colour: unknown key 'colour'" in err
    code, err = run(capsys, path, "--out", tmp_path / "o", "--format", "md", "--strict")
    assert code == 3 and err.rstrip().endswith("(an error under --strict)")


def test_unknown_fact_reference_and_duplicate_fact_ids(tmp_path, capsys):
    path = aurora_with(tmp_path, lambda d: d.update(lead="See [[nothing_here]]."))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3 and "lead: unknown fact 'nothing_here' in '[[nothing_here]]'" in err
    text = AURORA.read_text().replace("  budget:\n", "  director:\n", 1)
    path.write_text(text)
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3 and "facts.director: duplicate key 'director' (first defined at line" in err


@pytest.mark.parametrize("slug, expected", [
    ("../escape", "slug: expected lower-case letters, digits and single hyphens (it names the output folder "
                  "and files), got a string '../escape'"),
    ("/etc", "slug: expected lower-case letters, digits and single hyphens"),
    ("con", "slug: expected a name Windows does not reserve (con, prn, aux, nul, com1-9, lpt1-9), got a string 'con'"),
    ("Upper", "slug: expected lower-case letters, digits and single hyphens"),
])
def test_slugs_that_would_leave_the_output_folder_or_are_reserved(tmp_path, capsys, slug, expected):
    path = aurora_with(tmp_path, lambda d: d.update(slug=slug))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3 and expected in err
    assert not (tmp_path / "out").exists() or not [p for p in (tmp_path / "out").iterdir() if p.is_dir()]


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x1b", "\ufffe"])
def test_characters_xml_forbids_are_refused_naming_the_field(tmp_path, capsys, char):
    path = aurora_with(tmp_path, lambda d: d["facts"]["budget"].update(value=f"3.5{char} million"))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3
    assert f"facts.budget.value: contains U+{ord(char):04X} (a control character, at character 4)" in err


def test_a_lone_surrogate_is_refused(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(AURORA.read_text().replace("value: Borealis-9", 'value: "Borealis-\\ud800"'))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    # libyaml refuses the escape itself; the pure-Python parser lets it through to our check.
    assert code == 3 and err.count("\n") == 1 and (
        f"{path}:45:24: (file): YAML syntax error: found invalid Unicode character escape code" in err
        or "contains U+D800 (a lone surrogate, at character 10)" in err)


# ------------------------------------------------------------ content is data, in every output

HOSTILE = {
    "name": "Aurora <b>Lab</b> {{ 6*7 }}",
    "paragraph": "<script>alert(1)</script> {% include 'x' %} <img src=x> &amp; done",
    "items": ["# not a heading", "- not a list", "| not | a table |", "1. not numbered", "> not a quote"],
    "value": "a | b * c [d] <e>",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, env):
    tmp = tmp_path_factory.mktemp("hostile")

    def edit(d):
        d["name"] = HOSTILE["name"]
        d["lead"] = HOSTILE["paragraph"]  # the fact sheet shows the lead, not section paragraphs
        d["sections"][0]["blocks"] = [HOSTILE["paragraph"], {"list": HOSTILE["items"]}]
        d["facts"]["array"]["value"] = HOSTILE["value"]

    profile = load_profile(aurora_with(tmp, edit))
    outputs = render_all(profile, env)
    return profile, outputs


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_template_and_html_syntax_in_content_come_out_as_text(hostile, fmt):
    _profile, outputs = hostile
    text = " ".join(FORMATS[fmt].writer().read_text(outputs[fmt]).split())
    shown = (HOSTILE["name"], HOSTILE["paragraph"], HOSTILE["value"])
    for literal in shown + (() if fmt == "pdf" else tuple(HOSTILE["items"])):
        assert literal in text, (fmt, literal)
    assert "42" not in text


def test_markdown_structure_is_not_changed_by_content(hostile, aurora_outputs):
    _profile, outputs = hostile
    from dossier.markup import to_html

    def shape(md_bytes):
        _front, body = split_front_matter(md_bytes.decode())
        html = to_html(body)
        return {tag: len(re.findall(f"<{tag}[ >]", html)) for tag in ("h1", "h2", "ul", "ol", "table", "tr", "blockquote", "script", "img")}

    hostile_shape, clean_shape = shape(outputs["md"]), shape(aurora_outputs["md"])
    assert hostile_shape["script"] == hostile_shape["img"] == hostile_shape["blockquote"] == hostile_shape["ol"] == 0
    assert hostile_shape["h1"] == 1 and hostile_shape["h2"] == clean_shape["h2"]
    assert hostile_shape["tr"] == clean_shape["tr"]  # a | in a value does not add cells or rows
    assert "<script>" not in outputs["md"].decode()


def test_hostile_outputs_still_pass_verification(hostile):
    from dossier.verify import check_outputs

    profile, outputs = hostile
    checks = check_outputs(Document(profile), {fmt: (fmt, data) for fmt, data in outputs.items()})
    assert [c.missing for c in checks] == [(), (), ()]


# ------------------------------------------------------------ environment errors


def test_output_folder_that_cannot_be_written(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, err = run(capsys, AURORA, "--out", blocker, "--format", "md")
    assert (code, err) == (7, f"error: output folder {blocker} is a file, not a folder\n")


def test_template_folder_that_does_not_exist(tmp_path, capsys):
    assert run(capsys, AURORA, "--out", tmp_path, "--templates", tmp_path / "nope") == (
        7, f"error: template folder {tmp_path / 'nope'} does not exist or is not a folder\n")


def test_missing_pango_is_one_clear_line(tmp_path, capsys, monkeypatch):
    import sys

    from dossier.formats.pdf import factsheet as pdf

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(pdf, "_weasyprint", None, raising=False)
    monkeypatch.setattr(builtins, "__import__", no_pango)
    code, err = run(capsys, AURORA, "--out", tmp_path, "--format", "pdf", "--jobs", "1")
    assert code == 7
    assert err.startswith("error: WeasyPrint cannot load a system library (cannot load library 'libpango-1.0-0'")
    assert "apt-get install libpango-1.0-0" in err and err.count("\n") == 1


# ------------------------------------------------------------ nothing lost


def test_a_failed_rebuild_leaves_every_earlier_output_byte_identical(tmp_path, capsys, aurora_copy):
    out = tmp_path / "out"
    assert run(capsys, aurora_copy, "--out", out)[0] == 0
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (out / "aurora").iterdir()}
    aurora_copy.write_text(aurora_copy.read_text().replace("[[array]]", "[[no_such_fact]]"))
    assert run(capsys, aurora_copy, "--out", out)[0] == 3
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (out / "aurora").iterdir()}
    assert after == before


# ------------------------------------------------------------ found in review


def test_a_reference_bomb_is_refused_quickly(tmp_path, capsys):
    def edit(d):
        d["facts"]["f0"] = {"label": "F0", "value": "boom"}
        for k in range(1, 40):
            d["facts"][f"f{k}"] = {"label": f"F{k}", "value": f"[[f{k - 1}]] [[f{k - 1}]]"}

    code, err = run(capsys, aurora_with(tmp_path, edit), "--out", tmp_path / "out")
    assert code == 3
    assert "expands to 20,479 characters once fact references are replaced; the limit is 20,000" in err


def test_a_long_chain_of_references_resolves_without_recursion(tmp_path, capsys):
    def edit(d):
        d["facts"]["f0"] = {"label": "F0", "value": "end"}
        for k in range(1, 3000):
            d["facts"][f"f{k}"] = {"label": f"F{k}", "value": f"[[f{k - 1}]]"}
        d["lead"] = "The chain ends in [[f2999]]."

    path = aurora_with(tmp_path, edit)
    assert run(capsys, path, "--out", tmp_path / "out", "--format", "md")[0] == 0
    assert "The chain ends in end." in (tmp_path / "out" / "aurora" / "aurora.md").read_text()


def test_an_impossible_date(tmp_path, capsys):
    path = aurora_with(tmp_path, lambda d: d.update(as_of="2026-02-31"))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3 and "as_of: expected a real date, got '2026-02-31' (day is out of range for month)" in err
    assert run(capsys, path, "--out", tmp_path / "out", "--check")[0] == 3


def test_metadata_longer_than_word_allows(tmp_path, capsys):
    path = aurora_with(tmp_path, lambda d: d.update(keywords=[f"keyword number {i}" for i in range(30)]))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3 and "keywords: too long for document metadata: 558 characters" in err


def test_del_and_c1_controls_are_refused(tmp_path, capsys):
    path = aurora_with(tmp_path, lambda d: d.update(name="Aurora\x7fLab"))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3 and "name: contains U+007F (a control character, at character 7)" in err


def test_a_duplicate_key_after_an_alias(tmp_path, capsys):
    path = tmp_path / "alias.yaml"
    path.write_text("a: &x foo\nb: *x\nb: 1\n")
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3 and "Traceback" not in err
    assert f"{path}:3:1: b: duplicate key 'b' (first defined at line 2)" in err


def test_several_missing_keys_are_each_reported_once(tmp_path, capsys):
    path = aurora_with(tmp_path, lambda d: d["sections"].append({}))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    assert code == 3
    assert err.count("missing required key 'title'") == 1 and err.count("missing required key 'blocks'") == 1


def test_a_bad_fact_id_is_named_where_it_stands(tmp_path, capsys):
    path = aurora_with(tmp_path, lambda d: d["facts"].update({"Bad-Id": {"label": "x", "value": "y"}}))
    code, err = run(capsys, path, "--out", tmp_path / "out")
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.strip() == "Bad-Id:")
    assert code == 3
    assert f"{path}:{line}:3: facts.Bad-Id: invalid fact id 'Bad-Id': expected lower_snake_case" in err


def test_a_name_with_runs_of_spaces_verifies(tmp_path, capsys):
    path = aurora_with(tmp_path, lambda d: d.update(name="Aurora  Lab", keywords=[" polar\tsky "]))
    assert run(capsys, path, "--out", tmp_path / "out") == (0, "")


@pytest.mark.parametrize("rule", ["---", "***", "___", "_ _ _", "- - -"])
def test_a_thematic_break_in_prose_stays_text(tmp_path, env, rule):
    path = aurora_with(tmp_path, lambda d: d["sections"][0]["blocks"].insert(0, rule))
    profile = load_profile(path)
    text = FORMATS["md"].writer().read_text(render("md", profile, env))
    assert rule in text


def test_check_on_invalid_content(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("slug: [\n")
    code, err = run(capsys, path, "--out", tmp_path / "out", "--check")
    assert code == 3 and err.startswith(f"error: {path}:")


def test_a_malformed_dask_address(tmp_path, capsys):
    pytest.importorskip("distributed")
    code, err = run(capsys, AURORA, "--out", tmp_path, "--dask-scheduler", "not a url")
    assert code == 2 and err.startswith("error: --dask-scheduler: 'not a url' is not a scheduler address")


def test_a_recursive_template_macro(tmp_path, capsys):
    (tmp_path / "report.md.j2").write_text("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}\n")
    code, err = run(capsys, AURORA, "--out", tmp_path / "o", "--format", "md", "--templates", tmp_path)
    assert code == 4 and err.startswith(f"error: {tmp_path / 'report.md.j2'}:1: RecursionError")


def test_a_machine_without_fonts_is_one_clear_line(tmp_path):
    import subprocess
    import sys

    from helpers import ROOT

    empty = tmp_path / "fonts.conf"  # a fontconfig that knows no fonts at all
    empty.write_text('<?xml version="1.0"?><fontconfig><cachedir>' + str(tmp_path) + "</cachedir></fontconfig>")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FONTCONFIG_FILE": str(empty)}
    result = subprocess.run([sys.executable, "build.py", str(AURORA), "--out", str(tmp_path / "out"),
                             "--format", "pdf", "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (
        7, "error: no fonts are installed (fontconfig knows none); install fonts: "
           "apt-get install fonts-dejavu-core fonts-noto-core\n")


@pytest.mark.parametrize("prose, address", [
    ("Run [this](javascript:alert(1)).", "link to 'javascript:alert(1)'"),
    ("Read [the file](file:///etc/passwd).", "link to 'file:///etc/passwd'"),
    ("Open [this](data:text/html,<b>hi</b>).", "link to 'data:text/html,<b>hi</b>'"),
    ("Hello ![](https://tracker.example/pixel.gif)",
     "images are not supported in prose (an image at 'https://tracker.example/pixel.gif')"),
])
def test_links_that_no_output_may_carry_are_refused_before_the_markdown_is_written(tmp_path, capsys, prose, address):
    # The fact sheet and the Word report drop such links; the .md would pass them on to pandoc as live links.
    path = aurora_with(tmp_path, lambda d: d["sections"][0]["blocks"].insert(0, prose))
    code, err = run(capsys, path, "--out", tmp_path / "out", "--format", "md")
    assert code == 3 and ": sections[0].blocks[0]: " + address in err and "Traceback" not in err
    assert not (tmp_path / "out" / "aurora").exists()
