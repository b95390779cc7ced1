"""The Markdown report: the Document's rendered report (YAML front matter and a GitHub-flavoured body)."""

from __future__ import annotations

from ..document import split_front_matter
from ..markup import html_to_text, to_html
from . import Rendered


def prepare() -> None:
    """Import Python-Markdown, which reading the Markdown back needs."""
    import markdown  # noqa: F401


def render(document, options) -> Rendered:
    """The Document's report as it is, and the files it refers to, written beside it: the timeline's
    picture and the brand's logo."""
    from .pdf.pictures import report_pictures

    companions = dict(report_pictures(document))
    if document.logo_file_name:
        companions[document.logo_file_name] = document.brand.logo.data
    return Rendered(document.report.encode("utf-8"), companions)


def read_text(data: bytes, reading=None) -> str:
    """What a reader of the rendered Markdown sees: the body rendered, then reduced to text; a picture
    is a picture, not its alt text (nothing in Markdown is hidden, so a `formats.Reading` has nothing
    to note)."""
    _front, body = split_front_matter(_decode(data))
    return html_to_text(to_html(body, pictures=True))


def read_metadata(data: bytes) -> dict[str, str]:
    """The front matter's metadata, in the keys of Document.metadata."""
    from ..yamlfile import YamlText, parse

    front, _body = split_front_matter(_decode(data))
    read = parse(front, YamlText("front matter"), expected=None)
    if read.problems:
        problem = read.problems[0]  # the front matter starts on the file's line 2
        raise _unreadable(f"its front matter is not valid YAML ({problem.reason or problem.message}, "
                          f"line {problem.line + 1}, column {problem.column})")
    meta = read.data
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise _unreadable(f"its front matter is {_kind(meta)}, not a mapping of fields")
    keywords = meta.get("keywords") or []
    if isinstance(keywords, list):
        keywords = ", ".join(_scalar(keyword, "keywords") for keyword in keywords)
    return {
        "title": _scalar(meta.get("title", ""), "title"),
        "subject": _scalar(meta.get("description", ""), "description"),
        "author": _scalar(meta.get("author", ""), "author"),
        "keywords": _scalar(keywords, "keywords"),
        "language": _scalar(meta.get("lang", ""), "lang"),
        "created": _scalar(meta.get("date", ""), "date"),
    }


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _unreadable(f"it is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def _scalar(value, field: str) -> str:
    """A front-matter field as text; a list or mapping there is not one (and str() of a YAML alias bomb
    would never end)."""
    if isinstance(value, (list, dict, set)):
        raise _unreadable(f"its front matter's {field} is {_kind(value)}, not text")
    return str(value)


def _kind(value) -> str:
    return {list: "a list", dict: "a mapping", set: "a set", str: "text", bool: "true or false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _unreadable(reason: str):
    from ..errors import VerificationError

    return VerificationError(f"cannot be read as Markdown: {reason}")
