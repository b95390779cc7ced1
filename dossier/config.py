"""The project file: dossier.toml (or [tool.dossier] in pyproject.toml), read, checked with file:line, merged.

Precedence: built-in defaults < project file < command line (or the keywords of
dossier.build). Relative paths in the project file are taken from its folder.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import files
from .errors import UsageError
from .options import OPTIONS, Settings, resolve

PROJECT_FILE = "dossier.toml"
PYPROJECT = "pyproject.toml"
MAX_PROJECT_BYTES = 1_000_000  # a project file is a few hundred bytes; a pyproject.toml a few kB
BRAND_FOUND = "_brand.yml in the project folder"  # where a brand found without being named came from

# `key = …` (or the dotted `key.sub = …`) at the start of a line, the key bare or quoted;
# `[table]` and `[[array of tables]]` headers.
_KEY_LINE = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*[=.]""")
_TABLE_LINE = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")


@dataclass
class ProjectFile:
    """A project file's dossier settings: {key: value}, the line of each key, and the problems found."""

    path: Path
    table: str  # "" for dossier.toml, "tool.dossier" in pyproject.toml
    values: dict = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def origin(self, key: str) -> str:
        return f"{self.path}:{self.lines.get(key, 1)}"


def find_project_file(start: Path) -> ProjectFile | None:
    """The nearest dossier.toml, or pyproject.toml with a [tool.dossier] table, from `start` upwards."""
    for folder in [start, *start.parents]:
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return read_project_file(candidate)
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            project = read_project_file(pyproject)
            if project is not None:
                return project
    return None


def read_project_file(path: Path) -> ProjectFile | None:
    """Read and check one project file; None for a pyproject.toml without [tool.dossier].

    Each value is checked here, named by file, line and key path (paths taken from the
    file's folder). A syntax error or a value of the wrong type is a UsageError; an
    unknown key is a warning (effective_settings makes it an error under --strict).
    """
    try:
        # -sig: a byte-order mark, as some Windows editors write
        text = files.read(path, limit=MAX_PROJECT_BYTES).decode("utf-8-sig")
        if path.name == PYPROJECT and "dossier" not in text:
            return None  # another tool's file: its own syntax errors are none of ours
        data = tomllib.loads(text)
    except files.Refused as refused:
        raise UsageError(f"{path}: {refused.describe('a project file (TOML)')}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{path}:{match.group(1)}:{match.group(2)}" if match else f"{path}:1:1"
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise UsageError(f"{where}: TOML syntax error: {message}") from None
    if path.name == PYPROJECT:
        table = "tool.dossier"
        section = data.get("tool", {}).get("dossier") if isinstance(data.get("tool"), dict) else None
        if section is None:
            return None
    else:
        table, section = "", data
    project = ProjectFile(path, table, lines=_key_lines(text, table))
    if not isinstance(section, dict):
        raise UsageError(f"{project.origin('')}: [{table}]: expected a table of settings")
    allowed = [name for name, option in OPTIONS.items() if option.in_project]
    for key, value in section.items():
        if key in allowed:
            where = f"{project.origin(key)}: {_key_path(table, key)}"
            project.values[key] = OPTIONS[key].check(value, where=where, base=project.folder)
        else:
            project.warnings.append(f"{project.origin(key)}: {_key_path(table, key)}: unknown key {key!r} "
                                    f"(expected one of: {', '.join(allowed)})")
    return project


def _key_path(table: str, key: str) -> str:
    return f"{table}.{key}" if table else key


def _key_lines(text: str, table: str) -> dict[str, int]:
    """The line of each key of `table` ("" for the top level): enough for messages, not a TOML parser."""
    lines: dict[str, int] = {}
    current = ""
    prefix = table + "." if table else ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE_LINE.match(line)
        if header:
            current = header.group(1).replace(" ", "").replace('"', "").replace("'", "")
            if current.startswith(prefix) and current != table:  # a subtable: [extra] or [tool.dossier.extra]
                lines.setdefault(current[len(prefix):].split(".")[0], number)
            continue
        key = _KEY_LINE.match(line)
        if key and current == table:
            lines.setdefault(next(group for group in key.groups() if group), number)
    return lines


def effective_settings(command_line: dict, *, cwd: Path | None = None, strict: bool | None = None) -> tuple[
        Settings, ProjectFile | None]:
    """Defaults < the project file found from `cwd` < the command line, each value checked once."""
    project = find_project_file((cwd or Path.cwd()).resolve())
    layers: list[tuple[str, dict]] = []
    bases: dict[str, Path] = {}
    if project is not None:
        strict_now = command_line.get("strict", project.values.get("strict", False)) if strict is None else strict
        if project.warnings and strict_now is True:
            raise UsageError("\n".join(w + " (an error under --strict)" for w in project.warnings))
        for key, value in project.values.items():
            origin = project.origin(key)
            layers.append((origin, {key: value}))
            bases[origin] = project.folder
    if command_line.get("brand") is None and "brand" not in (project.values if project else {}):
        # Like Quarto, a _brand.yml in the project's folder applies without being named.
        from .brand import find_brand

        found = find_brand(project.folder if project is not None else (cwd or Path.cwd()))
        if found is not None:
            layers.insert(0, (BRAND_FOUND, {"brand": str(found)}))
    layers.append(("command line", command_line))
    return resolve(layers, bases=bases), project
