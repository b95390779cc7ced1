"""`dossier new`: a commented starter profile (and a minimal dossier.toml) in the user's project."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

from ..config import PROJECT_FILE, find_project_file
from ..errors import ContentError, UsageError

SCHEMA_FILE = "dossier-schema.json"  # beside the project file: the schema line of every starter points here


def write_starter(slug: str, *, content: str | None, cwd: Path) -> list[Path]:
    """Write content/SLUG.yaml (and dossier.toml and the schema, if absent); never overwrite a profile.

    Returns the files written. The profile is loaded and checked before anything is written.
    """
    from ..content import load_profile, schema_text

    _check_slug(slug)  # before the slug makes a path, or goes into the YAML text
    project = find_project_file(cwd.resolve())
    root = project.folder if project is not None else cwd
    if content is not None:
        folder = cwd / content
    elif project is not None and "content" in project.values:
        configured = project.values["content"]
        folder = root / (configured if isinstance(configured, str) else configured[0])
    else:
        folder = root / "content"
    target = folder / f"{slug}.yaml"
    if target.exists():
        raise UsageError(f"{target} already exists; dossier new never overwrites a profile")
    schema = root / SCHEMA_FILE
    text = _read("profile.yaml")
    text = (text.replace("__SCHEMA__", _relative(schema, folder))
            .replace("__SLUG__", slug).replace("__NAME__", " ".join(w.capitalize() for w in slug.split("-"))))
    try:
        load_profile(target, data=text.encode())
    except ContentError as exc:
        raise UsageError(f"cannot make a profile called {slug!r}: " + exc.problems[0].split(": ", 2)[-1]) from None
    written = []
    if project is None:
        # The project's content folder is where this profile goes, so that `dossier build` finds it.
        content_line = f"content = {json.dumps(_relative(folder, root))}"  # a JSON string is a TOML string
        settings = _read(PROJECT_FILE).replace('content = "content"', content_line)
        _write(root, PROJECT_FILE, settings.encode())
        written.append(root / PROJECT_FILE)
    if not schema.exists():
        _write(root, SCHEMA_FILE, schema_text().encode())
        written.append(schema)
    _write(folder, target.name, text.encode())
    written.append(target)
    return written


def _write(folder: Path, name: str, data: bytes) -> None:
    from .. import files

    try:
        files.write(folder, {name: data})
    except files.Refused as refused:
        raise UsageError(f"{folder / name}: {refused.describe('a file dossier may replace')}") from None


def _check_slug(slug: str) -> None:
    """The slug as the content schema has it (one declaration), or a UsageError saying what a slug is."""
    from jsonschema import Draft202012Validator

    from ..content import schema

    rule = schema()["properties"]["slug"]
    if not Draft202012Validator(rule).is_valid(slug):
        raise UsageError(f"cannot make a profile called {slug!r}: a slug is {rule['description'][0].lower()}"
                         f"{rule['description'][1:]}, at most {rule['maxLength']} characters, "
                         "and not a name Windows reserves (con, nul, …)")


def _relative(path: Path, start: Path) -> str:
    """`path` from `start`, with forward slashes (TOML and the YAML language server take those everywhere)."""
    return os.path.relpath(path.resolve(), start.resolve()).replace(os.sep, "/")


def _read(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
