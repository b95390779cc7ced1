"""The one door to a file a user names (files.py): each rule once, then each kind of file through it."""

from __future__ import annotations

import ast
import os
import signal
from pathlib import Path

import pytest

from dossier import files, i18n
from dossier.batch.manifest import Manifest
from dossier.brand import load_brand
from dossier.config import read_project_file
from dossier.content import load_profile
from dossier.errors import ContentError, DossierError, EnvironmentProblem, TemplateError, UsageError
from dossier.formats.docx.reference import read_reference
from dossier.formats.pdf.fetcher import make_fetcher
from dossier.review import read_docx_file
from dossier.templating import default_theme_folder, make_environment, render_template
from helpers import ROOT

PACKAGE = ROOT / "dossier"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@pytest.fixture(autouse=True)
def no_hang():
    """A read that waits on a pipe would hang the suite: fail it after five seconds instead."""
    def hung(signum, frame):
        raise AssertionError("reading the file hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def folder(tmp_path):
    """folder/ with a file in it, and outside/secret.txt beside it."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "folder" / "inside.txt").write_text("inside")
    (tmp_path / "outside" / "secret.txt").write_text("hunter2")
    return tmp_path / "folder"


# --- each rule once ------------------------------------------------------------------------------------------

def test_a_regular_file_inside_its_folder_is_read(folder):
    assert files.read(folder / "inside.txt", limit=100, inside=folder) == b"inside"
    (folder / "alias.txt").symlink_to("inside.txt")  # a link that stays inside is the file it names
    assert files.read(folder / "alias.txt", limit=100, inside=folder) == b"inside"


def test_a_link_out_of_the_folder_and_dot_dot_are_refused(folder):
    (folder / "link.txt").symlink_to(folder.parent / "outside" / "secret.txt")
    for path in (folder / "link.txt", folder / ".." / "outside" / "secret.txt"):
        with pytest.raises(files.Refused) as caught:
            files.read(path, limit=100, inside=folder)
        assert caught.value.reason == files.OUTSIDE and "hunter2" not in str(caught.value)
    assert str(caught.value) == f"is outside {folder}{os.sep}"
    with pytest.raises(files.Refused, match="is a symbolic link to a file outside .*; copy the file in instead"):
        files.read(folder / "link.txt", limit=100, inside=folder)


def test_without_a_folder_a_link_is_followed_to_a_regular_file(folder):
    (folder / "link.txt").symlink_to(folder.parent / "outside" / "secret.txt")
    assert files.read(folder / "link.txt", limit=100) == b"hunter2"


@needs_fifo
def test_a_pipe_is_refused_at_once(folder):
    os.mkfifo(folder / "pipe")
    with pytest.raises(files.Refused) as caught:
        files.read(folder / "pipe", limit=100, inside=folder)
    assert str(caught.value) == "is a named pipe, not a regular file; expected a file"


def test_a_device_and_a_folder_are_refused(folder):
    with pytest.raises(files.Refused, match="^is a device, not a regular file; expected a file$") as caught:
        files.read("/dev/zero", limit=100)
    assert caught.value.describe("a YAML file") == "is a device, not a regular file; expected a YAML file"
    with pytest.raises(files.Refused, match="^is a folder, not a regular file"):
        files.read(folder, limit=100)


def test_the_size_comes_from_the_descriptor_and_nothing_is_read(folder, monkeypatch):
    big = folder / "big.bin"
    with open(big, "wb") as stream:  # sparse: two gigabytes that take no room
        stream.truncate(2 * 1024 ** 3)

    def no_reading(*args):
        raise AssertionError("the file was read")

    monkeypatch.setattr(os, "read", no_reading)
    with pytest.raises(files.Refused) as caught:
        files.read(big, limit=1000, inside=folder)
    assert str(caught.value) == "file is 2,147,483,648 bytes; the limit is 1,000"


def test_a_file_that_grows_while_read_stops_at_the_limit(folder, monkeypatch):
    path = folder / "growing.txt"
    path.write_bytes(b"x" * 10)
    real_read = os.read

    def growing(descriptor, size):  # what a file appended to after fstat looks like
        return real_read(descriptor, size) or b"y" * size

    monkeypatch.setattr(os, "read", growing)
    with pytest.raises(files.Refused) as caught:
        files.read(path, limit=100, inside=folder)
    assert caught.value.reason == files.GREW


def test_a_link_put_in_place_after_the_check_is_not_followed(folder, monkeypatch):
    """Between resolving the name and opening it, the file is swapped for a link out of the folder."""
    target = folder / "inside.txt"
    real_open = os.open

    def swapping_open(path, flags, *args):
        if Path(path) == target:
            target.unlink()
            target.symlink_to(folder.parent / "outside" / "secret.txt")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", swapping_open)
    with pytest.raises(files.Refused) as caught:
        files.read(target, limit=100, inside=folder)
    assert caught.value.reason == files.UNREADABLE and "hunter2" not in str(caught.value)


def test_a_missing_file(folder):
    with pytest.raises(files.Refused) as caught:
        files.read(folder / "nothing.txt", limit=100, inside=folder)
    assert caught.value.reason == files.MISSING and str(caught.value) == "cannot read: No such file or directory"


# --- each kind of file a user names goes through the door -----------------------------------------------------

def _content(place: Path) -> None:
    load_profile(place)


def _project_file(place: Path) -> None:
    read_project_file(place)


def _brand_file(place: Path) -> None:
    load_brand(place)


def _brand_logo(place: Path) -> None:
    (place.parent / "_brand.yml").write_text(f"logo: {place.name}\n")
    load_brand(place.parent / "_brand.yml")


def _brand_font(place: Path) -> None:
    (place.parent / "_brand.yml").write_text(
        f"typography:\n  fonts:\n    - family: X\n      source: file\n      files:\n        - path: {place.name}\n")
    load_brand(place.parent / "_brand.yml")


def _template(place: Path) -> None:
    render_template(make_environment(place.parent), place.name, {})


def _catalogue(place: Path) -> None:
    theme = place.parent.parent
    i18n.words_for(place.stem, [theme, default_theme_folder()])


def _fetched(place: Path) -> None:
    fetcher = make_fetcher([place.parent], label="test")
    try:
        fetcher.fetch(place.resolve().as_uri() if not place.is_symlink() else place.as_uri())
    except ValueError as exc:  # WeasyPrint takes a fetcher's ValueError for "not loaded"
        raise UsageError(str(exc)) from None


def _reference(place: Path) -> None:
    read_reference(place)


def _report(place: Path) -> None:
    read_docx_file(place)


# (name, where the file goes, how it is read, what a refusal raises). The file is made at `where`.
KINDS = [
    ("content file", "content/x.yaml", _content, ContentError),
    ("project file", "dossier.toml", _project_file, UsageError),
    ("brand file", "brand/_brand.yml", _brand_file, ContentError),
    ("brand logo", "brand/logo.svg", _brand_logo, ContentError),
    ("brand font", "brand/font.ttf", _brand_font, ContentError),
    ("template", "theme/mine.md.j2", _template, TemplateError),
    ("message catalogue", "theme/messages/fr.yaml", _catalogue, TemplateError),
    ("theme file a fact sheet loads", "theme/logo.png", _fetched, UsageError),
    ("reference document", "reference.docx", _reference, EnvironmentProblem),
    ("report under review", "edited.docx", _report, UsageError),
]
IN_A_FOLDER = {"content file", "brand file", "brand logo", "brand font", "template", "message catalogue",
               "theme file a fact sheet loads"}


@needs_fifo
@pytest.mark.parametrize("name, where, read, error", KINDS, ids=[kind[0] for kind in KINDS])
def test_a_pipe_in_place_of_each_kind_of_file_is_refused_without_a_hang(tmp_path, name, where, read, error):
    place = tmp_path / where
    place.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(place)
    if name == "template":  # a pipe is no template: the loader looks further, and finds none
        with pytest.raises(TemplateError, match="not found"):
            read(place)
        return
    if name == "message catalogue":  # catalogues are found by stat: a pipe stats, and is refused
        with pytest.raises(error, match="named pipe"):
            read(place)
        return
    with pytest.raises(error) as caught:
        read(place)
    message = str(caught.value)
    assert "named pipe" in message or "does not exist or is not a file" in message or "refused" in message, message


@pytest.mark.parametrize("name, where, read, error", [kind for kind in KINDS if kind[0] in IN_A_FOLDER],
                         ids=[kind[0] for kind in KINDS if kind[0] in IN_A_FOLDER])
def test_a_link_out_of_its_folder_in_place_of_each_kind_of_file_is_refused(tmp_path, name, where, read, error):
    secret = tmp_path / "private" / "secret"
    secret.parent.mkdir()
    secret.write_text("password: hunter2\n")
    place = tmp_path / where
    place.parent.mkdir(parents=True, exist_ok=True)
    place.symlink_to(secret)
    with pytest.raises(error) as caught:
        read(place)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("name, where, read, error", KINDS, ids=[kind[0] for kind in KINDS])
def test_each_kind_of_file_is_read_through_the_door(tmp_path, monkeypatch, name, where, read, error):
    """Every reader of a user's file calls files.read for it (a refusal there reaches the user)."""
    place = tmp_path / where
    place.parent.mkdir(parents=True, exist_ok=True)
    place.write_bytes(b"x")
    asked = []
    real = files.read

    def door(path, **rules):
        if Path(path).resolve() == place.resolve():
            asked.append(rules)
            raise files.Refused(Path(path), files.UNREADABLE, strerror="refused by the test")
        return real(path, **rules)

    monkeypatch.setattr(files, "read", door)
    with pytest.raises(DossierError):
        read(place)
    assert asked and all(rules["limit"] > 0 for rules in asked)
    if name in IN_A_FOLDER:
        assert all(rules.get("inside") is not None for rules in asked)


def test_the_manifest_and_outputs_are_read_inside_the_output_folder(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    (tmp_path / "elsewhere.json").write_text('{"format": 1, "profiles": {}}')
    (out / "manifest.json").symlink_to(tmp_path / "elsewhere.json")
    manifest = Manifest.load(out)
    assert manifest.problems == [f"{out / 'manifest.json'} cannot be read (is a symbolic link to a file outside "
                                 f"{out}{os.sep}; copy the file in instead); it is rebuilt, with every output"]


# --- nothing else opens a user's file --------------------------------------------------------------------------

# Where the package opens files that are not a user's: its own data, the system's, its own temporary files.
NOT_A_USERS_FILE = {
    ("progress.py", "seconds_since_start"): "/proc/self/stat and /proc/uptime",
    ("batch/run.py", "_render_unit"): "the worker's note in the build's own temporary folder",
    ("batch/run.py", "_killed_units"): "the workers' notes in the build's own temporary folder",
    ("batch/store.py", "output_lock"): "the output folder's lock file, opened without following a link",
    ("batch/manifest.py", "record"): "appends to the journal, opened without following a link",
    ("batch/plan.py", "base_keys"): "the package's own code and schema, hashed into every key",
    ("cli.py", "main"): "/dev/null, for a closed pipe",
    ("content.py", "schema_text"): "the package's own schema",
    ("starter/__init__.py", "_read"): "the package's own starter files",
    ("templating.py", "_local_folder"): "writes a theme that travelled to a worker into a private folder",
    ("templating.py", "_resident_bytes"): "/proc/self/statm, the process's memory, for a template's limit",
}
OPENERS = {"read_bytes", "read_text", "write_bytes", "write_text"}  # Path's; and open() of builtins, os, io


def _opens(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id == "open":
        return "open"
    if isinstance(func, ast.Attribute):
        # Path.read_text() takes no positional argument; a format reader's read_text(data) is no opener.
        if func.attr in OPENERS and not (func.attr.startswith("read_") and call.args):
            return func.attr
        if func.attr in ("open", "fdopen") and isinstance(func.value, ast.Name) and func.value.id in ("os", "io"):
            return f"{func.value.id}.{func.attr}"
    return None


def test_nothing_but_the_door_opens_a_file(tmp_path):
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name == "files.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for call in ast.walk(function):
                callee = _opens(call) if isinstance(call, ast.Call) else None
                if callee and (name, function.name) not in NOT_A_USERS_FILE:
                    found.append(f"{name}:{call.lineno} {function.name}() calls {callee}()")
    assert found == []


def test_the_exceptions_listed_still_exist():
    for (name, function), _why in NOT_A_USERS_FILE.items():
        source = (PACKAGE / name).read_text(encoding="utf-8")
        assert f"def {function}(" in source, (name, function)


def test_yaml_is_read_in_one_module():
    readers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            if any(name == "yaml" or name.startswith("yaml.") for name in names):
                readers.add(path.relative_to(PACKAGE).as_posix())
    assert readers == {"yamlfile.py"}

