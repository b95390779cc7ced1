"""The Markdown report: the Document's rendered report (YAML front matter and a GitHub-flavoured body)."""

from __future__ import annotations

from ..document import split_front_matter
from ..markup import html_to_text, to_html


def render(document, options) -> bytes:
    return document.report.encode("utf-8")


def read_text(data: bytes) -> str:
    """What a reader of the rendered Markdown sees: the body rendered, then reduced to text."""
    _front, body = split_front_matter(data.decode("utf-8"))
    return html_to_text(to_html(body))


def read_metadata(data: bytes) -> dict[str, str]:
    """The front matter's metadata, in the keys of Document.metadata."""
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
