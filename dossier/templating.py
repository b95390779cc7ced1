"""Themes and the Jinja environment: the default theme in the package, a user folder over it, filters."""

from __future__ import annotations

import atexit
import hashlib
import json
import shutil
import tempfile
import traceback
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from . import markup
from .errors import EnvironmentProblem, TemplateError


@lru_cache(maxsize=1)
def default_theme_folder() -> Path:
    """The default theme: the top-level templates/ folder, shipped in the wheel as dossier.templates."""
    folder = resources.files("dossier.templates")
    if not isinstance(folder, Path) or not folder.is_dir():  # a zipped install: nothing to lay out from
        raise EnvironmentProblem(f"the default theme is not a folder on disk ({folder}); install dossier "
                                 "from a wheel or a checkout, not a zip")
    return folder


def theme_files(folder: Path) -> dict[str, Path]:
    """Every file of a theme folder by its relative name; hidden files and Python's files are no part of it."""
    files: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") or part == "__pycache__" for part in parts) or parts == ("__init__.py",):
            continue
        if path.is_file():
            files[path.relative_to(folder).as_posix()] = path
    return files


@dataclass(frozen=True)
class Theme:
    """A user theme, read once where the build starts, and travelling with the work.

    Workers on other machines (a Dask cluster) need not see the folder: they lay the
    files out in a private folder of their own. The default theme always comes from the
    installed package, wherever the work runs.
    """

    folder: str | None = None  # the user's folder, resolved; None: the default theme alone
    files: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def read(cls, folder: str | Path | None) -> "Theme":
        if folder is None:
            return cls()
        path = Path(folder)
        if not path.is_dir():
            raise EnvironmentProblem(f"template folder {folder} does not exist or is not a folder")
        try:
            files = tuple((name, file.read_bytes()) for name, file in theme_files(path).items())
        except OSError as exc:
            raise EnvironmentProblem(f"template folder {folder}: cannot read {exc.filename}: "
                                     f"{exc.strerror or exc}") from None
        return cls(str(path.resolve()), files)

    @cached_property
    def digest(self) -> str:
        digest = hashlib.sha256()
        for name, data in self.files:
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return digest.hexdigest()

    def effective_files(self) -> dict[str, bytes]:
        """Every file the theme offers by name, the user's hiding the default's of the same name."""
        files = {name: path.read_bytes() for name, path in theme_files(default_theme_folder()).items()}
        files.update(dict(self.files))
        return files

    def folders(self) -> list[Path]:
        """Where templates are looked up, first match wins: the user's folder, then the default theme."""
        if self.folder is None:
            return [default_theme_folder()]
        return [_local_folder(self), default_theme_folder()]


_laid_out: dict[tuple[str | None, str], Path] = {}  # per process: a user theme's folder on this machine


def _local_folder(theme: Theme) -> Path:
    """The theme's folder itself when this machine sees it unchanged (messages name its files);
    otherwise a private copy laid out from the files that travelled with the work."""
    key = (theme.folder, theme.digest)
    if key not in _laid_out:
        here = Path(theme.folder)
        try:
            unchanged = here.is_dir() and Theme.read(here).digest == theme.digest
        except EnvironmentProblem:
            unchanged = False
        if unchanged:
            _laid_out[key] = here
        else:
            copy = Path(tempfile.mkdtemp(prefix="dossier-theme-"))
            atexit.register(shutil.rmtree, copy, True)
            for name, data in theme.files:
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                (copy / name).write_bytes(data)
            _laid_out[key] = copy
    return _laid_out[key]


def make_environment(theme: Theme | str | Path | None = None):
    """A Jinja environment over the theme's folders: the user's (if any), then the default theme.

    Arguments:
        theme: a Theme, or a folder whose files replace the default theme's files of the same name.

    Returns:
        An environment with StrictUndefined and dossier's filters.
    """
    import jinja2  # here, not at module load: planning a build needs no Jinja

    if not isinstance(theme, Theme):
        theme = Theme.read(theme)
    folders = theme.folders()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2", "xml"),
                                            default_for_string=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        md=markup.inline,
        md_text=markup.escape_text,
        md_cell=markup.cell,
        html=markup.inline_html,
        period=ensure_period,
        yaml_str=yaml_string,
    )
    env.globals["template_folders"] = [str(f) for f in folders]
    return env


_environments: dict[tuple[str | None, str], object] = {}  # per process: one environment per theme


def environment_for(theme: Theme):
    """The theme's environment, made once per process (Jinja caches compiled templates in it)."""
    key = (theme.folder, theme.digest)
    if key not in _environments:
        _environments[key] = make_environment(theme)
    return _environments[key]


def template_folders(env) -> list[Path]:
    return [Path(f) for f in env.globals["template_folders"]]


def ensure_period(text: str) -> str:
    """End a name with a full stop unless it already ends a sentence."""
    return text if text.rstrip().endswith((".", "!", "?", ":")) else text + "."


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one) for front matter."""
    return json.dumps(str(text), ensure_ascii=False)


def render_template(env, name: str, context: dict) -> str:
    """Render one template; any Jinja failure becomes a TemplateError naming file and line."""
    import jinja2

    try:
        template = env.get_template(name)
        return template.render(**context)
    except jinja2.TemplateNotFound as exc:
        folders = ", ".join(env.globals["template_folders"])
        asked_by = _template_location(exc, env, "")  # an {% include %} or {% extends %} names it
        raise TemplateError(f"{asked_by + ': ' if asked_by else ''}template {exc.name!r} not found in {folders}") from None
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise TemplateError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{_template_location(exc, env, name)}: {exc.message or exc}") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError, RecursionError) as exc:
        # A template doing something impossible with a value (iterating a number, say).
        raise TemplateError(f"{_template_location(exc, env, name)}: {type(exc).__name__}: {exc}") from None


def _template_location(exc: BaseException, env, name: str) -> str:
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    folders = env.globals["template_folders"]
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if any(frame.filename.startswith(folder) for folder in folders):
            return f"{frame.filename}:{frame.lineno}"
    return name
