"""The Jinja environment: the default theme, a user folder that overrides it file by file, filters."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

from . import markup
from .errors import EnvironmentProblem, TemplateError

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def make_environment(user_templates: str | Path | None = None):
    """A Jinja environment over the user's folder (if any) and then the default theme.

    Arguments:
        user_templates: a folder whose files replace the default theme's files of the same name.

    Returns:
        An environment with StrictUndefined and dossier's filters.
    """
    import jinja2  # here, not at module load: planning a build needs only DEFAULT_TEMPLATES

    folders = [DEFAULT_TEMPLATES]
    if user_templates is not None:
        user = Path(user_templates)
        if not user.is_dir():
            raise EnvironmentProblem(f"template folder {user} does not exist or is not a folder")
        folders.insert(0, user.resolve())
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
