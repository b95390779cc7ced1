"""The Markdown report: YAML front matter and a GitHub-flavoured body, from report.md.j2."""

from __future__ import annotations

from ..context import build_context
from ..markup import html_to_text, to_html
from ..templating import render_template

NAME = "md"
LABEL = "Markdown"
FILENAME = "{slug}.md"
TEMPLATE = "report.md.j2"


def render_report(profile, env) -> str:
    """The long-form report as Markdown text: the one rendering both Markdown and DOCX come from."""
    return render_template(env, TEMPLATE, build_context(profile))


def render(profile, env, options) -> bytes:
    return render_report(profile, env).encode("utf-8")


def split_front_matter(text: str) -> tuple[str, str]:
    """'---\\n…\\n---\\n body' → (front matter text, body). No front matter → ('', text)."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[4:end], text[end + 5:]
    return "", text


def read_text(data: bytes) -> str:
    """What a reader of the rendered Markdown sees: the body rendered, then reduced to text."""
    front, body = split_front_matter(data.decode("utf-8"))
    return html_to_text(to_html(body))


def read_metadata(data: bytes) -> dict[str, str]:
    """The front matter's metadata, in the keys of context.metadata()."""
    import yaml

    front, _body = split_front_matter(data.decode("utf-8"))
    meta = yaml.safe_load(front) or {} if front else {}
    keywords = meta.get("keywords") or []
    return {
        "title": str(meta.get("title", "")),
        "subject": str(meta.get("description", "")),
        "author": str(meta.get("author", "")),
        "keywords": ", ".join(map(str, keywords)) if isinstance(keywords, list) else str(keywords),
        "language": str(meta.get("lang", "")),
        "created": str(meta.get("date", "")),
    }
