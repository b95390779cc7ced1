"""`dossier new`: a commented starter profile (and a minimal dossier.toml) in the user's project."""

from __future__ import annotations

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
    from ..batch.store import write_files
    from ..content import load_profile, schema_text

    project = find_project_file(cwd.resolve())
    root = project.folder if project is not None else cwd
    if content is not None:
        folder = Path(content)
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
    text = (text.replace("__SCHEMA__", os.path.relpath(schema.resolve(), folder.resolve()))
            .replace("__SLUG__", slug).replace("__NAME__", " ".join(w.capitalize() for w in slug.split("-"))))
    try:
        load_profile(target, data=text.encode())
    except ContentError as exc:
        raise UsageError(f"cannot make a profile called {slug!r}: " + exc.problems[0].split(": ", 2)[-1]) from None
    written = []
    if project is None:
        write_files(root, {PROJECT_FILE: _read(PROJECT_FILE).encode()})
        written.append(root / PROJECT_FILE)
    if not schema.exists():
        write_files(root, {SCHEMA_FILE: schema_text().encode()})
        written.append(schema)
    write_files(folder, {target.name: text.encode()})
    written.append(target)
    return written


def _read(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
