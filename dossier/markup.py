"""The one Markdown dialect of dossier: escaping content for Markdown, and Markdown to HTML.

Prose fields are inline Markdown (emphasis, strong, links). Everything else in
content is plain text. Raw HTML is never passed through: it is escaped, so a
reader sees it as text in every output.
"""

from __future__ import annotations

import functools
import re
import threading

from markupsafe import Markup

_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# A prose string is one paragraph; these openings would turn it into another block.
_BLOCK_OPENING = re.compile(r"^(#|>|[-+*](?=\s|$)|=|~|`{3}|\[(?=[^\]]*\]:))|^(\d+)([.)])(?=\s|$)")
_THEMATIC_BREAK = re.compile(r"^([-*_])(?:\s*\1){2,}\s*$")
_SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)
_local = threading.local()


def escape_text(text: str) -> str:
    """Plain text → Markdown, ready for output, that renders as exactly that text."""
    return inline(escape_specials(text))


def escape_specials(text: str) -> str:
    """Plain text → prose: Markdown's inline syntax characters escaped.

    Used when a fact's value is inserted into prose; the prose as a whole then
    goes through `inline`, which deals with HTML and block openings once.
    """
    return _INLINE_SPECIALS.sub(r"\\\1", text)


def inline(prose: str) -> str:
    """Inline-Markdown prose → Markdown safe to place in a paragraph, list item or table cell.

    Emphasis, strong and links keep working; raw HTML becomes visible text and
    nothing in the prose can open a heading, list, quote or code block.
    """
    text = _ENTITY_LIKE.sub("&amp;", one_line(prose))
    return _neutralise_opening(text.replace("<", "&lt;"))


def cell(markdown_text: str) -> str:
    """Markdown placed in a pipe-table cell: a literal pipe must not split the cell."""
    return markdown_text.replace("|", "\\|")


# Whitespace runs, but not the no-break spaces (U+00A0, U+2007, U+202F): those mean "keep together".
_SPACES = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def one_line(text: str) -> str:
    """Runs of spaces, tabs and line breaks as one space, ends trimmed; no-break spaces kept."""
    return _SPACES.sub(" ", text).strip()


def _neutralise_opening(text: str) -> str:
    if _THEMATIC_BREAK.match(text):  # "---", "* * *": a rule would swallow the text
        return f"&#{ord(text[0])};{text[1:]}"
    match = _BLOCK_OPENING.match(text)
    if not match:
        return text
    if match.group(2):  # "1. " would start a numbered list
        return f"{match.group(2)}&#{ord(match.group(3))};{text[match.end():]}"
    return f"&#{ord(text[0])};{text[1:]}"


def _converter():
    # One Markdown instance per thread: building one costs more than converting a report.
    # Imported here, not at module load, so commands that render nothing stay light.
    md = getattr(_local, "md", None)
    if md is None:
        import markdown

        md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_safe_links_processor(markdown, md), "dossier_safe_links", 5)
        _local.md = md
    return md


def _safe_links_processor(markdown, md):
    class SafeLinks(markdown.treeprocessors.Treeprocessor):
        """Links and images may point only at http(s), mailto or an in-document anchor."""

        def run(self, root):
            for element in [e for e in root.iter() if e.tag in ("a", "img")]:
                attribute = "href" if element.tag == "a" else "src"
                if _SAFE_LINK.match(element.get(attribute, "")):
                    continue
                if element.tag == "img":
                    # An image would be fetched by the PDF renderer; show its alt text instead.
                    alt = element.get("alt", "")
                    element.clear()
                    element.tag = "span"
                    element.text = alt
                else:
                    del element.attrib["href"]
            return None

    return SafeLinks(md)


@functools.lru_cache(maxsize=16)
def to_html(markdown_text: str) -> str:
    """Markdown (a whole document body) → HTML.

    Cached: the Word writer and the Markdown verifier convert the same report text.
    """
    md = _converter()
    try:
        return md.convert(markdown_text)
    finally:
        md.reset()


def inline_html(prose: str) -> Markup:
    """Inline-Markdown prose → HTML for a template, without the wrapping paragraph."""
    html = to_html(inline(prose))
    if html.startswith("<p>") and html.endswith("</p>"):
        html = html[3:-4]
    return Markup(html)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, block elements on their own lines."""
    import lxml.html

    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    for element in root.iter("p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "br"):
        element.tail = "\n" + (element.tail or "")
    return root.text_content()


def plain_text(prose: str) -> str:
    """Inline-Markdown prose → the plain text a reader sees (for metadata fields)."""
    return " ".join(html_to_text(to_html(inline(prose))).split())
