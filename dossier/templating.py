"""Themes and the Jinja environment: the default theme in the package, a user folder over it, filters."""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import ctypes
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import traceback
from collections import abc, deque
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from . import files, markup
from .errors import EnvironmentProblem, TemplateError
from .options import OPTIONS

MAX_THEME_FILE_BYTES = 50 * 1024 * 1024  # a template, a stylesheet, an image, a font (a CJK font is 20 MB)


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
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") or part == "__pycache__" for part in parts) or parts == ("__init__.py",):
            continue
        # A link out of the folder is no part of the theme: reading it here would carry the file it
        # points at to every worker, where it would arrive as an ordinary theme file.
        if path.is_file() and files.lies_inside(path, folder):
            found[path.relative_to(folder).as_posix()] = path
    return found


def read_theme_files(folder: Path) -> dict[str, bytes]:
    """Every file of a theme folder by its relative name, read through the door (inside the folder)."""
    found = {}
    for name, path in theme_files(folder).items():
        try:
            found[name] = files.read(path, limit=MAX_THEME_FILE_BYTES, inside=folder)
        except files.Refused as refused:
            raise EnvironmentProblem(f"template folder {folder}: cannot read {name}: {refused.describe()}") from None
    return found


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
        return cls(str(path.resolve()), tuple(read_theme_files(path).items()))

    @cached_property
    def digest(self) -> str:
        digest = hashlib.sha256()
        for name, data in self.files:
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return digest.hexdigest()

    def effective_files(self) -> dict[str, bytes]:
        """Every file the theme offers by name, the user's hiding the default's of the same name."""
        found = read_theme_files(default_theme_folder())
        found.update(dict(self.files))
        return found

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
    """A sandboxed Jinja environment over the theme's folders: the user's (if any), then the default theme.

    Arguments:
        theme: a Theme, or a folder whose files replace the default theme's files of the same name.

    Returns:
        An environment with StrictUndefined and dossier's filters, in which a template reaches no
        Python internals, no file outside the theme folders and none of the data it is given to change.
    """
    import jinja2  # here, not at module load: planning a build needs no Jinja

    if not isinstance(theme, Theme):
        theme = Theme.read(theme)
    folders = theme.folders()
    sandbox, loader = _sandbox_types()
    # One environment type for every theme, the default one too, so that a user theme copied
    # from the default one behaves as it did.
    env = sandbox(
        loader=loader([str(f) for f in folders]),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2", "xml"),
                                            default_for_string=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    # A tuple: the PDF fetcher and the Word writer trust these folders, so no template may add one.
    env.globals["template_folders"] = tuple(str(f) for f in folders)
    return env


# While a template renders: the ids of the lists, dicts and sets it was given. The Document's
# data is shared by every writer and the verifier, so a theme may not change it; the lists a
# template makes itself it may fill (the default theme builds its key figures that way).
_given_containers: contextvars.ContextVar[frozenset[int] | None] = contextvars.ContextVar(
    "dossier_given_containers", default=None)


def _mutable_containers(*roots) -> frozenset[int]:
    """The ids of every list, dict, set and deque reachable from `roots` through containers and dataclasses."""
    found: set[int] = set()
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        value = stack.pop()
        if isinstance(value, (str, bytes, int, float, type(None), type)) or id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, (abc.MutableSequence, abc.MutableMapping, abc.MutableSet, deque)):
            found.add(id(value))
        if isinstance(value, abc.Mapping):
            stack.extend(value.values())
        elif isinstance(value, (abc.Sequence, abc.Set, deque)) and not isinstance(value, range):
            stack.extend(value)
        elif dataclasses.is_dataclass(value):
            stack.extend(getattr(value, field.name) for field in dataclasses.fields(value))
    return frozenset(found)


@lru_cache(maxsize=1)
def _sandbox_types():
    """(environment class, loader class), defined on first use: importing Jinja costs start-up time."""
    import jinja2
    from jinja2.exceptions import SecurityError
    from jinja2.loaders import split_template_path
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, modifies_known_mutable

    class ThemeEscape(SecurityError):
        """A template name that leads out of the theme folders (render_template reports it as a sandbox refusal)."""

    class ThemeTemplate(jinja2.Template):
        """A template that knows, while it renders, which containers it was given."""

        def render(self, *args, **kwargs):
            # generate() and stream() do not pass here: there every container counts as given.
            token = _given_containers.set(_mutable_containers(args, kwargs, self.globals))
            try:
                return super().render(*args, **kwargs)
            finally:
                _given_containers.reset(token)

    class ThemeSandbox(ImmutableSandboxedEnvironment):
        """Jinja's immutable sandbox, except that a template may fill the lists and dicts it made itself.

        ImmutableSandboxedEnvironment alone refuses the default theme's `figures.append(…)`;
        SandboxedEnvironment would let a theme change the Document's data (`metadata.update(…)`
        is what the Word report and the verifier then read). This keeps the data immutable and
        the default theme's output byte for byte what it was.
        """

        template_class = ThemeTemplate
        # Repetition and powers are checked before Python computes them: '*' 10**9 would be one allocation
        # in C, which no watchdog can stop while it runs.
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context, operator, left, right):
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and \
                            len(seq) * times > MAX_REPEATED:
                        unit = "characters" if isinstance(seq, str) else "items"
                        raise SecurityError(f"repeating {len(seq):,} {unit} {times:,} times would make more than "
                                            f"{MAX_REPEATED:,}")
            if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"a power of {right:,} is beyond what a theme may compute ({MAX_EXPONENT:,})")
            return super().call_binop(context, operator, left, right)

        def is_safe_attribute(self, obj, attr, value) -> bool:
            if super().is_safe_attribute(obj, attr, value):
                return True
            # Refused for reaching Python's internals (never allowed), or for changing a list, dict
            # or set: allowed when the template made that container itself.
            given = _given_containers.get()
            return (given is not None and id(obj) not in given
                    and SandboxedEnvironment.is_safe_attribute(self, obj, attr, value))

        def unsafe_undefined(self, obj, attribute: str):
            if not attribute.startswith("_") and modifies_known_mutable(obj, attribute):
                copy = "dict(given)" if isinstance(obj, abc.Mapping) else "given|list"
                message = (f"calling {attribute!r} would change a {type(obj).__name__} the theme was given "
                           f"(copy it first: {{% set mine = {copy} %}})")
            else:
                message = f"attribute {attribute!r} of a {type(obj).__name__} object"
            return self.undefined(message, name=attribute, obj=obj, exc=SecurityError)

    class ThemeLoader(jinja2.FileSystemLoader):
        """Templates by name from the theme folders, first match wins; nothing outside them is read.

        Jinja's own loader turns `..` into "not found" but follows any symbolic link; this one
        says why it refuses, and reads a link only if its target lies inside the folder it is in.
        """

        def get_source(self, environment, template: str):
            pieces = template.replace("\\", "/").split("/")
            if template.startswith(("/", "\\")) or os.path.isabs(template) or ".." in pieces:
                raise ThemeEscape(f"template {template!r} names a file outside the theme folders")
            pieces = split_template_path(template)
            for folder in self.searchpath:
                filename = os.path.join(folder, *pieces)
                try:  # the door: inside the folder (every link on the way followed), a regular file
                    data = files.read(filename, limit=MAX_THEME_FILE_BYTES, inside=Path(folder))
                except files.Refused as refused:
                    if refused.reason == files.OUTSIDE:
                        raise ThemeEscape(f"template {template!r} is a link to a file outside the theme "
                                          f"folder {folder}") from None
                    if refused.reason in (files.MISSING, files.NOT_REGULAR):  # devices and pipes are no templates
                        continue
                    raise TemplateError(f"{filename}: {refused.describe('a template')}") from None
                contents = data.decode(self.encoding)
                real = Path(filename).resolve()
                mtime = os.path.getmtime(real)

                def uptodate(filename=filename, real=real, mtime=mtime) -> bool:
                    try:  # a link pointed elsewhere is a new template: load (and check) it again
                        return Path(filename).resolve() == real and os.path.getmtime(real) == mtime
                    except OSError:
                        return False

                return contents, os.path.normpath(filename), uptodate
            raise jinja2.TemplateNotFound(template)

    return ThemeSandbox, ThemeLoader


_environments: dict[tuple, object] = {}  # per process: one environment per theme and limits


@dataclass(frozen=True)
class RenderLimits:
    """What one render of a theme template may spend: seconds, and megabytes the process may grow by."""

    seconds: int = OPTIONS["time_limit"].default
    megabytes: int = OPTIONS["memory_limit"].default

    @classmethod
    def from_settings(cls, settings) -> "RenderLimits":
        return cls(settings["time_limit"], settings["memory_limit"])


def environment_for(theme: Theme, limits: RenderLimits = RenderLimits()):
    """The theme's environment, made once per process (Jinja caches compiled templates in it), its renders
    held to `limits`."""
    key = (theme.folder, theme.digest, limits)
    if key not in _environments:
        env = make_environment(theme)
        env.limits = limits
        _environments[key] = env
    return _environments[key]


def template_folders(env) -> list[Path]:
    return [Path(f) for f in env.globals["template_folders"]]


SENTENCE_ENDS = (".", "!", "?", ":", "。", "！", "？", "：", "।", "؟", "۔")


def ensure_period(text: str, stop: str = ".") -> str:
    """End a name with a full stop (the language's: `period(words.full_stop)`) unless it already ends a sentence."""
    return text if text.rstrip().endswith(SENTENCE_ENDS + (stop,)) else text + stop


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one) for front matter."""
    return json.dumps(str(text), ensure_ascii=False)


MAX_REPEATED = 10_000_000  # characters or items a template may make by repeating one text or list
MAX_EXPONENT = 10_000  # the largest power a template may raise a number to
WATCH_EVERY_S = 0.05  # how often the watchdog looks at the clock and the process's memory


def _resident_bytes() -> int | None:
    """The process's resident memory, where the system tells (Linux); None elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as statm:  # the system's, not a user's file
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def _watched(limits: RenderLimits, why: list[str]):
    """Stop the block (a template render) in this thread when it runs past its time limit, or grows the
    process past its memory limit: a watchdog thread raises _Stop in it (PyThreadState_SetAsyncExc, which
    reaches Python code as it runs: a template's loops), and puts the reason in `why`."""
    target, lock, done = threading.get_ident(), threading.Lock(), threading.Event()
    start, memory = time.monotonic(), _resident_bytes()

    def watch():
        while not done.wait(WATCH_EVERY_S):
            if time.monotonic() - start > limits.seconds:
                reason = f"it ran for more than {limits.seconds} s"
            elif memory is not None and (_resident_bytes() or 0) - memory > limits.megabytes * 2 ** 20:
                reason = f"it grew the process by more than {limits.megabytes:,} MB"
            else:
                continue
            with lock:
                if not done.is_set():
                    why.append(reason)
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(_Stop))
            return

    watchdog = threading.Thread(target=watch, name="dossier-template-watchdog", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        with lock:
            done.set()
            if why:  # the exception may not have reached the render yet: it must not land elsewhere
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.c_void_p(0))
        watchdog.join()


# dossier's filters, by the name templates use (docs/reference/context.md lists them).
FILTERS = {
    "md": markup.inline,
    "md_text": markup.escape_text,
    "md_joint": markup.escape_joint,
    "md_cell": markup.cell,
    "html": markup.inline_html,
    "period": ensure_period,
    "yaml_str": yaml_string,
}


class ThemeLimitExceeded(TemplateError):
    """A template render stopped at its time or memory limit (a template error: exit 4). The process that
    ran it is best replaced: a pool worker is (batch/run.py)."""


class _Stop(BaseException):
    """Raised inside the rendering thread by the watchdog; never escapes render_template."""


def render_template(env, name: str, context: dict) -> str:
    """Render one template within the environment's limits; any Jinja failure becomes a TemplateError naming
    file and line, a render over its limits a ThemeLimitExceeded naming the template."""
    import jinja2

    limits = getattr(env, "limits", RenderLimits())
    why: list[str] = []
    try:
        template = env.get_template(name)
        try:
            with _watched(limits, why):
                return template.render(**context)
        except (_Stop, MemoryError):
            # Named by its file alone: Jinja maps the lines of errors it sees, and this one it does not.
            reason = why[0] if why else "it ran out of memory"
            raise ThemeLimitExceeded(f"{template.filename or name}: the template was stopped: {reason}; "
                                     "a theme must render a profile within the limits (--time-limit, "
                                     "--memory-limit)") from None
    except jinja2.TemplateNotFound as exc:
        folders = ", ".join(env.globals["template_folders"])
        asked_by = _template_location(exc, env, "")  # an {% include %} or {% extends %} names it
        raise TemplateError(f"{asked_by + ': ' if asked_by else ''}template {exc.name!r} not found in {folders}") from None
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise TemplateError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:  # the sandbox or the loader refused; nothing was run or read
        raise TemplateError(f"{_template_location(exc, env, name)}: the theme tried to reach something it may "
                            f"not: {str(exc.message or exc).rstrip('.')} (themes run in a sandbox: no Python "
                            "internals, no files outside the theme folders, no changes to the data they are "
                            "given)") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{_template_location(exc, env, name)}: {exc.message or exc}") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError, RecursionError,
            OverflowError) as exc:  # OverflowError: the sandbox's range() refuses huge ranges
        # A template doing something impossible with a value (iterating a number, say).
        raise TemplateError(f"{_template_location(exc, env, name)}: {type(exc).__name__}: {exc}") from None


def _template_location(exc: BaseException, env, name: str) -> str:
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    folders = env.globals["template_folders"]
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if any(frame.filename.startswith(folder) for folder in folders):
            return f"{frame.filename}:{frame.lineno}"
    return name
