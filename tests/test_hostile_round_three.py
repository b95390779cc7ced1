"""Hostile files and faults, round three: where outputs may land, what a theme, a label, a brand file, a
project file or a cluster can do to a build, and states a build recovers from.

Every payload is made up for these tests; the profiles are the fictional Aurora fixture.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from dossier import cli
from dossier.batch import build
from dossier.batch.run import pool_size, render_profile
from dossier.brand import load_brand
from dossier.config import effective_settings
from dossier.errors import ContentError
from dossier.model import SLUG
from dossier.pipeline import BuildConfig
from dossier.templating import RenderLimits, Theme
from helpers import AURORA, ROOT

FORMAT = ("--format", "md")  # the quickest output: these tests are about what happens around it


def run(capsys, *args) -> tuple[int, str]:
    code = cli.main([*map(str, args), "-q"])
    return code, capsys.readouterr().err


def aurora_in(folder: Path, **replace: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = AURORA.read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old, new)
    path = folder / "aurora.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------ outputs land only where they should


def test_an_output_folder_that_is_a_link_is_not_written_through(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "aurora").symlink_to(elsewhere)
    code, err = run(capsys, AURORA, "--out", tmp_path / "out", *FORMAT)
    assert code == 7
    assert err == (f"error: cannot write to {tmp_path / 'out' / 'aurora'}: is a symbolic link: dossier "
                   "neither writes through one nor replaces it; remove it\n")
    assert list(elsewhere.iterdir()) == [] and (tmp_path / "out" / "aurora").is_symlink()


@pytest.mark.parametrize("planted", ["link", "fifo"])
def test_an_output_file_that_is_a_link_or_a_pipe_is_neither_followed_nor_replaced(tmp_path, capsys, planted):
    folder = tmp_path / "out" / "aurora"
    folder.mkdir(parents=True)
    target = tmp_path / "victim.txt"
    target.write_text("untouched")
    if planted == "link":
        (folder / "aurora.md").symlink_to(target)
    else:
        os.mkfifo(folder / "aurora.md")
    started = time.monotonic()
    code, err = run(capsys, AURORA, "--out", tmp_path / "out", *FORMAT)
    assert time.monotonic() - started < 10  # a pipe is never opened: nothing waits for a reader
    assert code == 7 and err.count("\n") == 1
    assert f"{folder / 'aurora.md'}: is a " + ("symbolic link" if planted == "link" else "named pipe") in err
    assert target.read_text() == "untouched"
    assert sorted(p.name for p in folder.iterdir()) == ["aurora.md"]  # no temporary file left either


@pytest.mark.parametrize("kind", ["link", "device"])
def test_dash_o_onto_a_link_or_a_device_is_refused(tmp_path, capsys, kind):
    target = tmp_path / "victim.json"
    target.write_text("untouched")
    if kind == "link":
        named = tmp_path / "schema.json"
        named.symlink_to(target)
    else:
        named = Path("/dev/null")
    code, err = cli.main(["schema", "-o", str(named)]), capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: -o {named}: is a ") and err.count("\n") == 1
    assert target.read_text() == "untouched"
    if kind == "link":
        assert named.is_symlink()
    else:
        assert named.is_char_device()


@pytest.mark.parametrize("out", [".", ".."])
def test_an_output_folder_that_is_or_holds_the_content_is_refused_at_the_edge(tmp_path, capsys, monkeypatch, out):
    project = tmp_path / "project"
    aurora_in(project / "content")
    (project / "dossier.toml").write_text(f'content = "content"\nout = "{out}/content"\n' if out == "."
                                          else f'content = "content"\nout = "{out}"\n')
    monkeypatch.chdir(project)
    before = tree(tmp_path)
    code, err = run(capsys, *FORMAT)
    assert code == 2 and err.count("\n") == 1
    assert "the output folder" in err and ("is the folder of" in err or "holds" in err)
    assert tree(tmp_path) == before


# ------------------------------------------------------------ no traceback for a bad environment


def test_a_nul_in_a_project_file_path_is_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "dossier.toml").write_text('out = "out\\u0000x"\n')
    monkeypatch.chdir(tmp_path)
    code, err = run(capsys, AURORA, *FORMAT)
    assert (code, err) == (2, f"error: {tmp_path / 'dossier.toml'}:1: out: expected a path, got 'out\\\\0x', "
                              "which holds a NUL character\n")


def test_names_longer_than_the_file_system_allows_are_one_line(tmp_path, capsys):
    long = "x" * 300
    code, err = run(capsys, AURORA, "--out", tmp_path / long, *FORMAT)
    assert code == 7 and err.count("\n") == 1 and "File name too long" in err
    code, err = run(capsys, tmp_path / f"{long}.yaml", *FORMAT)
    assert code == 2 and err.count("\n") == 1 and "File name too long" in err
    code, err = cli.main(["schema", "-o", str(tmp_path / f"{long}.json")]), capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: -o {tmp_path / long}.json: cannot write: File name too long")


def test_a_content_file_whose_name_is_not_utf8_builds_and_is_recorded(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    name = os.fsencode(content) + b"/caf\xe9.yaml"
    with open(name, "wb") as stream:
        stream.write(AURORA.read_bytes())
    command = [sys.executable, "build.py", str(content), "--out", str(tmp_path / "out"), *FORMAT]
    first = subprocess.run(command, cwd=ROOT, capture_output=True)
    assert first.returncode == 0, first.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_bytes())
    (key,) = manifest["profiles"]
    assert key.endswith("caf\udce9.yaml")  # the name as the file system gives it, escaped in JSON
    second = subprocess.run(command, cwd=ROOT, capture_output=True)
    assert second.returncode == 0 and b"caf\\udce9.yaml (unchanged)" in second.stdout  # shown escaped


class _Listener:
    """A local port that accepts connections and then says nothing, or answers with garbage."""

    def __init__(self, garbage: bool):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.address = f"tcp://127.0.0.1:{self.socket.getsockname()[1]}"
        self.garbage = garbage
        self.held: list[socket.socket] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)
            if self.garbage:
                try:
                    connection.sendall(b"\xff" * 64 + b"HTTP/1.1 200 OK\r\n\r\nnot dask" * 10)
                except OSError:
                    pass

    def close(self):
        for connection in self.held:
            connection.close()
        self.socket.close()


@pytest.mark.parametrize("garbage", [False, True], ids=["silent", "garbage"])
def test_a_dask_scheduler_that_hangs_or_speaks_garbage_is_one_line_within_the_promise(
        tmp_path, capsys, monkeypatch, garbage):
    pytest.importorskip("distributed")
    monkeypatch.setattr(cli, "DASK_CONNECT_S", 1)
    listener = _Listener(garbage)
    try:
        started = time.monotonic()
        code, err = run(capsys, AURORA, "--out", tmp_path / "out", *FORMAT, "--dask-scheduler", listener.address)
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert code == 7 and err.count("\n") == 1 and "Traceback" not in err
    assert elapsed < 1 + 1 + 2  # the promised wait, a second for the handshake, and margin
    if garbage:
        assert err.startswith(f"error: the Dask scheduler at {listener.address} answered with something that is "
                              "not Dask's protocol")
    else:
        assert err == (f"error: the Dask scheduler at {listener.address} did not answer within 1 s (something "
                       "accepts the connection there, but speaks no Dask)\n")
    assert not (tmp_path / "out" / "aurora").exists()


# ------------------------------------------------------------ bounded everything


def theme_with(tmp_path, template: str) -> Path:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "report.md.j2").write_text(template, encoding="utf-8")
    return theme


@pytest.mark.parametrize("template, limit, reason", [
    ("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", ("--time-limit", 1),
     "it ran for more than 1 s"),
    ("{% set ns = namespace(s='x') %}{% for a in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
     ("--memory-limit", 100), "it grew the process by more than 100 MB"),
])
def test_a_runaway_theme_is_stopped_at_its_limit_naming_the_template(tmp_path, capsys, template, limit, reason):
    theme = theme_with(tmp_path, template)
    started = time.monotonic()
    code, err = run(capsys, AURORA, "--out", tmp_path / "out", *FORMAT, "--templates", theme, *limit)
    assert time.monotonic() - started < 20
    assert code == 4
    assert err == (f"error: {theme / 'report.md.j2'}: the template was stopped: {reason}; a theme must "
                   "render a profile within the limits (--time-limit, --memory-limit)\n")
    assert not (tmp_path / "out" / "aurora").exists()


@pytest.mark.parametrize("expression", ["'x' * 10 ** 9", "[1] * 100000000", "9 ** 100000"])
def test_repetition_and_powers_are_refused_before_they_are_computed(tmp_path, capsys, expression):
    theme = theme_with(tmp_path, "{{ (" + expression + ")|length if false else '' }}{{ " + expression + " }}")
    started = time.monotonic()
    code, err = run(capsys, AURORA, "--out", tmp_path / "out", *FORMAT, "--templates", theme)
    assert time.monotonic() - started < 10
    assert code == 4 and "the theme tried to reach something it may not" in err and err.count("\n") == 1


def test_a_worker_that_rendered_a_stopped_template_asks_to_be_replaced(tmp_path):
    theme = theme_with(tmp_path, "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}")
    config = BuildConfig(formats=("md",), theme=Theme.read(theme), limits=RenderLimits(seconds=1))
    result = render_profile(str(AURORA), AURORA.read_bytes(), config)
    assert result.exit_code == 4 and result.recycle
    fine = render_profile(str(AURORA), AURORA.read_bytes(), BuildConfig(formats=("md",)))
    assert fine.error is None and not fine.recycle


@pytest.mark.parametrize("label", ["{0}", "{name:>30000000}", "{x.__class__}", "{", "}}{{"])
def test_a_label_is_text_never_a_format(tmp_path, capsys, label):
    from dossier.i18n import Words

    words = Words("en", {"logo_alt": f"Logo of {{name}} {label}"}, {})
    assert words.format("logo_alt", name="Example Press") == f"Logo of Example Press {label}"
    path = aurora_in(tmp_path / "content", **{
        "key_figures:": f"labels:\n  at_a_glance: {json.dumps(label)}\n  logo_alt: {json.dumps('Logo ' + label)}\n"
                        "key_figures:"})
    (tmp_path / "logo.svg").write_text(f'<svg xmlns="{SVG}" width="40" height="10"><rect width="40" height="10"/></svg>')
    (tmp_path / "_brand.yml").write_text("logo: logo.svg\n")
    code, err = run(capsys, path, "--out", tmp_path / "out", "--format", "docx,md", "--brand", tmp_path / "_brand.yml")
    assert code == 0, err
    markdown = (tmp_path / "out" / "aurora" / "aurora.md").read_text(encoding="utf-8")
    assert f"## {label}" in markdown.replace("\\", "") and len(markdown) < 20_000
    with zipfile.ZipFile(tmp_path / "out" / "aurora" / "aurora-report.docx") as report:
        header = b"".join(report.read(name) for name in report.namelist() if name.startswith("word/header"))
    assert f'descr="Logo {escape(label)}"'.encode() in header


def test_jobs_are_capped_at_the_work_there_is():
    assert pool_size(32, 2) == 4  # two units a profile at most: its fact sheet, and its other formats
    assert pool_size(32, 1000) == 32
    assert pool_size(1, 5) == 1
    assert pool_size(None, 1) <= 2


def test_a_profile_with_more_facts_than_the_limit_is_refused_with_its_line(tmp_path, capsys):
    facts = ", ".join(f"f{i}: {{label: L{i}, value: v{i}}}" for i in range(10_001))
    path = aurora_in(tmp_path / "content")
    text = path.read_text(encoding="utf-8")
    start, end = text.index("facts:"), text.index("at_a_glance:")
    path.write_text(text[:start] + "facts: {" + facts + "}\n" + text[end:], encoding="utf-8")
    assert path.stat().st_size < 1_000_000
    code, err = run(capsys, path, "--out", tmp_path / "out", *FORMAT)
    assert code == 3
    assert f"{path}:" in err and "facts: expected at most 10,000 entries, got 10,001" in err


# ------------------------------------------------------------ brand files checked, not trusted


SVG = "http://www.w3.org/2000/svg"


@pytest.mark.parametrize("svg, problem", [
    (f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]><svg xmlns="{SVG}">'
     '<text>&x;</text></svg>', "declares a DOCTYPE or entities"),
    (f'<svg xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="http://127.0.0.1:9/p.png" '
     'width="10" height="10"/></svg>', "refers to 'http://127.0.0.1:9/p.png'"),
    (f'<svg xmlns="{SVG}"><rect width="10" height="10" style="fill: url(file:///etc/x)"/></svg>',
     "refers to a resource outside itself"),
    (f'<svg xmlns="{SVG}"><image href="data:image/svg+xml;base64,PHN2Zy8+" width="9" height="9"/></svg>',
     "a logo may refer to nothing outside itself"),
    (f'<svg xmlns="{SVG}">' + "<g>" * 100_000 + "</g>" * 100_000 + "</svg>", "not well-formed SVG"),
    (f'<svg xmlns="{SVG}">' + "<g>" * 70 + "</g>" * 70 + "</svg>", "nested more than 64 deep"),
    (f'<svg xmlns="{SVG}">' + "<rect/>" * 20_001 + "</svg>", "more than 20,000 elements"),
    (f'<svg xmlns="{SVG}"><script>alert(1)</script></svg>', "holds <script>"),
])
def test_an_svg_logo_that_could_reach_out_or_blow_up_is_refused(tmp_path, svg, problem):
    (tmp_path / "logo.svg").write_text(svg, encoding="utf-8")
    (tmp_path / "_brand.yml").write_text("logo: logo.svg\n")
    with pytest.raises(ContentError) as caught:
        load_brand(tmp_path / "_brand.yml")
    assert caught.value.message.startswith(f"{tmp_path / '_brand.yml'}:1:7: logo: 'logo.svg' cannot be used as a "
                                           "logo: ")
    assert problem in caught.value.message


def test_an_svg_logo_that_draws_nothing_is_refused_before_any_profile(tmp_path, capsys):
    (tmp_path / "logo.svg").write_text(f'<svg xmlns="{SVG}" width="40" height="10"></svg>')
    (tmp_path / "_brand.yml").write_text("logo: logo.svg\n")
    code, err = run(capsys, AURORA, "--out", tmp_path / "out", "--format", "docx", "--brand", tmp_path / "_brand.yml")
    assert code == 3 and err.startswith(f"error: {tmp_path / '_brand.yml'}: logo 'logo.svg' cannot be used: ")
    assert not (tmp_path / "out" / "aurora").exists()


def png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (width, height), 90).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_raster_logo_is_decoded_bounded_and_scaled_to_what_a_page_needs(tmp_path, capsys):
    from PIL import Image

    (tmp_path / "huge.png").write_bytes(png(6000, 6000))
    (tmp_path / "_brand.yml").write_text("logo: huge.png\n")
    with pytest.raises(ContentError) as caught:
        load_brand(tmp_path / "_brand.yml")
    assert "it is 6,000 × 6,000 pixels; a logo has at most 25,000,000 (25 megapixels)" in caught.value.message

    (tmp_path / "fake.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not a picture" * 10)
    (tmp_path / "_brand.yml").write_text("logo: fake.png\n")
    with pytest.raises(ContentError) as caught:
        load_brand(tmp_path / "_brand.yml")
    assert "cannot be decoded as a PNG picture" in caught.value.message

    (tmp_path / "big.png").write_bytes(png(4000, 1000))
    (tmp_path / "_brand.yml").write_text("logo: big.png\n")
    assert run(capsys, AURORA, "--out", tmp_path / "out", "--format", "docx", "--brand",
               tmp_path / "_brand.yml")[0] == 0
    with zipfile.ZipFile(tmp_path / "out" / "aurora" / "aurora-report.docx") as report:
        (media,) = [name for name in report.namelist() if name.startswith("word/media/") and name.endswith(".png")
                    and Image.open(io.BytesIO(report.read(name))).size == (1600, 400)]
        assert media


def test_a_font_file_that_is_not_a_font_is_a_warning_and_an_error_under_strict(tmp_path):
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "Fake.ttf").write_bytes(b"\x00\x01\x00\x00" + b"fictional, not a font" * 20)
    (tmp_path / "_brand.yml").write_text("typography:\n  fonts:\n    - family: Fake Sans\n      source: file\n"
                                         "      files:\n        - path: fonts/Fake.ttf\n  base: Fake Sans\n")
    warnings: list[str] = []
    brand = load_brand(tmp_path / "_brand.yml", warnings.append)
    assert [font.filename for font in brand.fonts] == []
    assert any("fonts/Fake.ttf" in warning and "not a font" in warning for warning in warnings), warnings
    with pytest.raises(ContentError) as caught:
        load_brand(tmp_path / "_brand.yml", strict=True)
    assert "fonts/Fake.ttf" in caught.value.message


# ------------------------------------------------------------ states that recover


def test_two_profiles_that_swap_slugs_build(tmp_path, capsys):
    content = tmp_path / "content"
    content.mkdir()
    text = AURORA.read_text(encoding="utf-8")
    for name, slug in (("a", "alpha"), ("b", "beta")):
        (content / f"{name}.yaml").write_text(text.replace("slug: aurora", f"slug: {slug}")
                                              .replace("name: Aurora Lab", f"name: Aurora {name.upper()}"))
    assert run(capsys, content, "--out", tmp_path / "out", *FORMAT)[0] == 0
    for name, slug in (("a", "beta"), ("b", "alpha")):
        (content / f"{name}.yaml").write_text(text.replace("slug: aurora", f"slug: {slug}")
                                              .replace("name: Aurora Lab", f"name: Aurora {name.upper()}"))
    code, err = run(capsys, content, "--out", tmp_path / "out", *FORMAT)
    assert code == 0, err
    assert "Aurora A" in (tmp_path / "out" / "beta" / "beta.md").read_text()
    assert "Aurora B" in (tmp_path / "out" / "alpha" / "alpha.md").read_text()
    owners = {entry["slug"]: key for key, entry in
              json.loads((tmp_path / "out" / "manifest.json").read_text())["profiles"].items()}
    assert owners["beta"].endswith("a.yaml") and owners["alpha"].endswith("b.yaml")


@pytest.mark.parametrize("key, slug, file", [
    ("/etc/passwd", "aurora", "aurora/aurora.md"),
    ("../content/aurora.yaml", "aurora", "../../etc/passwd"),
    ("../content/aurora.yaml", "../up", "../up/aurora.md"),
    ("../content/aurora.yaml", "aurora", "aurora/../../x.md"),
])
def test_a_manifest_naming_a_file_outside_the_output_folder_is_a_warning_and_a_rebuild(
        tmp_path, capsys, key, slug, file):
    path = aurora_in(tmp_path / "content")
    out = tmp_path / "out"
    assert run(capsys, path, "--out", out, *FORMAT)[0] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    entry = next(iter(manifest["profiles"].values()))
    entry = {**entry, "slug": slug, "outputs": {fmt: {**record, "file": file} for fmt, record in entry["outputs"].items()}}
    manifest["profiles"] = {key: entry}
    (out / "manifest.json").write_text(json.dumps(manifest))
    code = cli.main([str(path), "--out", str(out), *FORMAT])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "name a file outside the output folder or that is no content file" in captured.err
    assert "built 1" in captured.out
    assert (out / "aurora" / "aurora.md").is_file()


@pytest.mark.parametrize("as_of", ["0001-01", "9999-12-31", "2024-02-29", "2000-01-01"])
def test_every_as_of_the_schema_accepts_builds_and_verifies(tmp_path, capsys, as_of):
    path = aurora_in(tmp_path / "content", **{'as_of: "2025-09-15"': f'as_of: "{as_of}"'})
    code, err = run(capsys, path, "--out", tmp_path / "out", "--format", "docx,md")
    assert code == 0, err


def test_the_fact_sheet_verifies_on_the_first_day_of_the_calendar(tmp_path, capsys):
    path = aurora_in(tmp_path / "content", **{'as_of: "2025-09-15"': 'as_of: "0001-01"'})
    code, err = run(capsys, path, "--out", tmp_path / "out", "--format", "pdf")
    assert code == 0, err


def test_the_slug_rule_and_the_text_limit_are_the_schema_s():
    from dossier.content import MAX_EXPANDED, schema

    assert SLUG.pattern == schema()["properties"]["slug"]["pattern"]
    # A text may be as long as a field may grow once its references are replaced, no longer.
    assert schema()["$defs"]["plain"]["maxLength"] == schema()["$defs"]["prose"]["maxLength"] == MAX_EXPANDED


def test_settings_refuse_out_holding_the_content_also_from_python(tmp_path):
    path = aurora_in(tmp_path / "content")
    from dossier.errors import UsageError

    with pytest.raises(UsageError):
        build([path], settings=effective_settings({"out": str(tmp_path), "content": [str(path)]})[0])
