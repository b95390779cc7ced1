"""Every option declared once: name, type, default, allowed values, help, and the outputs it affects.

The command line (cli.py builds its flags from OPTIONS), the Python API
(`dossier.build(**options)`) and the project file (config.py) all go through
`resolve`, which checks each value once, at the edge, and records where it came
from. Nothing past this module sees an unchecked value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

ALL = "all"  # an option that affects every output
FORMAT_NAMES = ("pdf", "docx", "md")  # formats/__init__.py holds the table; checked there against this
PAPER_SIZES = {"a4": "A4", "letter": "letter"}  # option value → CSS page size


@dataclass(frozen=True)
class Option:
    """One option. `kind` decides how a value is checked:

    path (one file or folder), paths (one or more), formats (names from FORMAT_NAMES),
    choice (one of `choices`), count (a whole number of at least 1), flag (true/false), text.
    """

    name: str  # the Python keyword and the project-file key
    kind: str
    default: object
    help: str
    choices: tuple[str, ...] = ()
    # Which outputs' bytes (or verification) depend on the value: a change rebuilds those alone.
    # Paths are hashed by content (the theme's files, the reference document), not by name.
    affects: frozenset[str] | str = frozenset()
    flag: str | None = None  # on the command line; None: `--name` with hyphens
    short: str | None = None
    metavar: str | None = None
    in_project: bool = True  # may be set in dossier.toml / [tool.dossier]
    commands: tuple[str, ...] = ("build", "watch")

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    def affects_format(self, fmt: str) -> bool:
        return self.affects == ALL or fmt in self.affects

    def check(self, value, *, where: str, base: Path | None = None, text: bool = False):
        """The value in its checked form, or a UsageError: '{where}: expected …, got …'.

        Relative paths are taken from `base` (the project file's folder), else as given.
        `text`: the value was typed on the command line, where a number can only be digits;
        elsewhere (the project file, Python) a number must be a number.
        """
        if value is None and self.default is None:
            return None
        kind = self.kind
        if kind == "flag":
            if isinstance(value, bool):
                return value
            raise _bad(where, "true or false", value)
        if kind == "count":
            # isdecimal, not isdigit: '²' is a digit that int() refuses.
            if text and isinstance(value, str) and value.strip().isdecimal():
                value = int(value)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
                return value
            raise _bad(where, "a whole number of at least 1", value)
        if kind == "choice":
            if isinstance(value, str) and value.lower() in self.choices:
                return value.lower()
            raise _bad(where, "one of " + ", ".join(self.choices), value)
        if kind == "formats":
            names = _names(value)
            if names is None:
                raise _bad(where, "format names separated by commas (" + ", ".join(FORMAT_NAMES) + ")", value)
            if not names:
                raise UsageError(f"{where}: no format given (known: {', '.join(FORMAT_NAMES)})")
            for name in names:
                if name not in FORMAT_NAMES:
                    raise UsageError(f"{where}: unknown format {name!r} (known: {', '.join(FORMAT_NAMES)})")
            return tuple(dict.fromkeys(names))
        if kind == "path":
            if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
                raise _bad(where, "a path", value)
            return _path(value, base, where)
        if kind == "paths":
            items = [value] if isinstance(value, (str, os.PathLike)) else value
            if not isinstance(items, (list, tuple)) or not items or not all(
                    isinstance(item, (str, os.PathLike)) and str(item).strip() for item in items):
                raise _bad(where, "a path or a list of paths", value)
            return tuple(_path(item, base, where) for item in items)
        if isinstance(value, str):  # text
            return value
        raise _bad(where, "text", value)


def _names(value) -> list[str] | None:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    return None


def _path(value, base: Path | None, where: str) -> str:
    text = os.fspath(value)
    if "\0" in text:  # no system call takes one: refused here, in one line, not as a traceback later
        shown = text.replace("\0", "\\0")
        raise UsageError(f"{where}: expected a path, got {shown!r}, which holds a NUL character")
    path = Path(text).expanduser()
    return str(base / path if base is not None and not path.is_absolute() else path)


def _bad(where: str, expected: str, value) -> UsageError:
    shown = repr(value) if value is None or isinstance(value, (str, int, float, bool)) else type(value).__name__
    return UsageError(f"{where}: expected {expected}, got {shown}")


OPTIONS: dict[str, Option] = {option.name: option for option in (
    Option("content", "paths", ("content",), "content files, or folders of *.yaml",
           metavar="PATHS", commands=("build", "check", "watch")),
    Option("out", "path", "output", "output folder", metavar="DIR", commands=("build", "check", "watch")),
    Option("formats", "formats", FORMAT_NAMES, "formats to build, separated by commas: pdf, docx, md",
           flag="--format", metavar="LIST", commands=("build", "check", "watch")),
    Option("templates", "path", None, "a theme folder whose files override the default theme, file by file",
           affects=ALL, metavar="DIR"),
    Option("reference_docx", "path", None, "take the Word report's styles, page setup, header and footer "
           "from FILE (default: the theme's reference.docx)", affects=frozenset({"docx"}), metavar="FILE"),
    Option("brand", "path", None, "a brand file in the brand.yml format (default: _brand.yml in the project "
           "folder, if there is one): colours, fonts and logo for every output", affects=ALL, metavar="FILE"),
    Option("paper", "choice", "a4", "fact sheet paper", choices=tuple(PAPER_SIZES), affects=frozenset({"pdf"})),
    Option("keep_html", "flag", False, "also write <slug>-factsheet.html beside the fact sheet: the document "
           "WeasyPrint laid out, with its stylesheet, for theme designers (not verified)",
           affects=frozenset({"pdf"}), commands=("build", "watch")),
    Option("timings", "flag", False, "print where the time went, stage by stage, summed over the batch",
           in_project=False, commands=("build",)),
    Option("jobs", "count", None, "worker processes (default: the number of cores; never more than there is work "
           "for)", short="-j", metavar="N"),
    Option("time_limit", "count", 60, "seconds one render of a theme template may take before it is stopped, a "
           "template error naming the template", metavar="SECONDS", commands=("build", "watch", "review", "redline")),
    Option("memory_limit", "count", 1024, "megabytes one render of a theme template may grow the process by "
           "before it is stopped (where the system tells: Linux)", metavar="MB",
           commands=("build", "watch", "review", "redline")),
    Option("strict", "flag", False, "treat warnings (unknown keys, missing glyphs) as errors", affects=ALL,
           commands=("build", "check", "watch")),
    Option("force", "flag", False, "rebuild profiles whose outputs are up to date", in_project=False,
           commands=("build",)),
    Option("quiet", "flag", False, "print errors only", short="-q", in_project=False,
           commands=("build", "check", "watch")),
    Option("dask_scheduler", "text", None, "run the build on a Dask distributed cluster at ADDRESS "
           "(needs dossier[dask])", metavar="ADDRESS", commands=("build",)),
)}


@dataclass(frozen=True)
class RenderOptions:
    """What the writers receive besides the Document: the values of the options declared (above) to shape
    an output's bytes, paths excepted, with their declared defaults; and the reference document, read
    where the build started (a path from a caller of a writer itself, or None: the theme's own).

    Every option `affecting` a format is a field here (tests/test_options.py holds the two together),
    so the manifest's keys and the writers see the same values."""

    paper: str = OPTIONS["paper"].default
    strict: bool = OPTIONS["strict"].default
    keep_html: bool = OPTIONS["keep_html"].default  # the fact sheet's laid-out HTML, a companion of the PDF
    reference_docx: Path | tuple[str, bytes] | None = None  # (name, bytes) as it travels to a worker

    @classmethod
    def from_settings(cls, settings: Mapping, reference_docx: tuple[str, bytes] | None = None) -> "RenderOptions":
        return cls(**{option.name: settings[option.name] for option in affecting_any()},
                   reference_docx=reference_docx)


def affecting_any() -> list[Option]:
    """The options that shape some output's bytes, paths excepted: the fields of RenderOptions."""
    return [option for option in OPTIONS.values() if option.affects and option.kind not in ("path", "paths")]


class Settings(Mapping):
    """Checked option values (read as attributes: settings.paper) and where each came from."""

    def __init__(self, values: dict, origins: dict[str, str]):
        self._values = values
        self.origins = origins

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str):
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def replace(self, **changes) -> "Settings":
        return resolve([("", dict(self._values)), ("dossier.build()", changes)], origins=self.origins)


def resolve(layers: list[tuple[str, dict]], *, bases: dict[str, Path] | None = None,
            origins: dict[str, str] | None = None) -> Settings:
    """Defaults, then each layer in turn (later layers win): [(origin, {name: value})].

    `origin` names the layer in messages ('dossier.toml:3', 'command line', 'dossier.build()');
    `bases` gives a layer's folder for relative paths. An unknown name or a bad value is a
    UsageError naming the option and what it accepts.
    """
    values = {name: option.default for name, option in OPTIONS.items()}
    where_from = {name: "default" for name in OPTIONS}
    where_from.update(origins or {})
    for origin, layer in layers:
        for name, value in layer.items():
            option = OPTIONS.get(name)
            if option is None:
                raise UsageError(f"{origin}: unknown option {name!r} (known: {', '.join(OPTIONS)})")
            label = _label(origin, option)
            values[name] = option.check(value, where=label, base=(bases or {}).get(origin),
                                        text=origin == "command line")
            if origin:
                where_from[name] = origin
    _check_folders(values, where_from)
    return Settings(values, where_from)


def _check_folders(values: dict, origins: dict[str, str]) -> None:
    """The output folder may not be, nor hold, a folder of content (or the folder of a content file named):
    a build would write beside the content it reads, and `dossier watch` would see its own outputs as
    changes for ever."""
    out = os.path.realpath(values["out"])
    for raw in values["content"]:
        folder = raw if os.path.isdir(raw) or not os.path.splitext(raw)[1] else os.path.dirname(raw) or "."
        real = os.path.realpath(folder)
        if os.path.commonpath([out, real]) == out:
            what = "is the folder of" if real == out else "holds"
            where = _label("" if origins["out"] == "default" else origins["out"], OPTIONS["out"])
            raise UsageError(f"{where}: the output folder {values['out']} {what} the content {raw}; outputs and "
                             "content need folders of their own (give another --out)")


def _label(origin: str, option: Option) -> str:
    if origin == "command line":
        return option.cli_flag
    if origin == "dossier.build()":
        return option.name
    return f"{origin}: {option.name}" if origin else option.name


def affecting(fmt: str) -> list[Option]:
    """The options whose values shape `fmt`'s bytes, paths excluded (their files are hashed instead)."""
    return [option for option in OPTIONS.values()
            if option.affects_format(fmt) and option.kind not in ("path", "paths")]


def affecting_paths(fmt: str) -> list[str]:
    """The names of the path options whose files shape `fmt`'s bytes (a theme, a reference document, a brand)."""
    return [option.name for option in OPTIONS.values() if option.affects_format(fmt) and option.kind == "path"]
