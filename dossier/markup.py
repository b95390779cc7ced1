"""The one Markdown dialect of dossier: escaping content for Markdown, and Markdown to HTML.

Prose fields are inline Markdown (emphasis, strong, links). Everything else in
content is plain text. Raw HTML is never passed through: it is escaped, so a
reader sees it as text in every output.
"""

from __future__ import annotations

import bisect
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


def escape_joint(text: str) -> str:
    """Punctuation the theme puts between two pieces (', ', '، ', '、') → Markdown, its spaces kept."""
    core = text.strip()
    if not core:
        return " " if text else ""
    return (" " if text[:1].isspace() else "") + escape_text(core) + (" " if text[-1:].isspace() else "")


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


def allowed_address(address: str) -> bool:
    """Whether a link may point there: an http(s): or mailto: address, or a #anchor in the document."""
    return _SAFE_LINK.match(address) is not None


def forbidden_links(prose: str) -> list[tuple[str, str]]:
    """The links and images inline-Markdown prose may not hold, in order: ("link" or "image", address).

    A link may point only where `allowed_address` says; an image is never allowed (the PDF
    renderer would fetch it, a Markdown viewer would show a tracker). The prose is read
    twice, because the readers of our outputs disagree in corners: by our own dialect (what
    the fact sheet and the Word report are made from), and by CommonMark's rules (what pandoc
    or a Markdown viewer makes of the .md). "``[x](javascript:…)`" is a code span to
    Python-Markdown and a link to CommonMark; "[a [b](…) c](…)" links the outer text for one
    and the inner for the other. Addresses are given as a CommonMark reader resolves them.
    """
    # Every inline link has "](" followed by its address (`inline` leaves no link definitions or
    # autolinks), and every image "![": without a suspect one, there is nothing to find. `inline`
    # only collapses the spaces, and escapes "<" and "&", which the check treats as suspect anyway.
    if not _SUSPECT.search(prose):
        return []
    text = inline(prose)
    md = _converter()
    try:
        md.dossier_links = []
        md.convert(text)
        found = md.dossier_links + _commonmark_links(text)
    finally:
        md.reset()
    unique: dict[tuple[str, str], None] = {}
    for kind, address in found:
        address = _resolved(address)
        if kind == "image" or not allowed_address(address):
            unique.setdefault((kind, address), None)
    return list(unique)


_SUSPECT = re.compile(r"!\[|\]\(\s*+(?!https?:|mailto:|#)", re.IGNORECASE)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash escapes ASCII punctuation
# Where CommonMark's inline parser may start or end a link: an escape, a backtick run, an opening
# bracket (of an image after "!"), a closing bracket.
_LINK_TOKEN = re.compile(r"\\[\s\S]|`+|!?\[|\]")
_BACKTICKS = re.compile(r"`+")
_SPACES_THEN = re.compile(r" *")
_DESTINATION_RUN = re.compile(r"(?:\\[!-/:-@\[-`{-~]|\\|[^\x00-\x20()\\])*")  # up to a space or a parenthesis
_TITLE_THEN_CLOSE = re.compile(r"""(?: +(?:"(?:\\[\s\S]|[^"\\])*"|'(?:\\[\s\S]|[^'\\])*'|\((?:\\[\s\S]|[^()\\])*\)))? *\)""")
_MAX_PARENTHESES = 32  # cmark's limit on nested parentheses in a destination


def _commonmark_links(text: str) -> list[tuple[str, str]]:
    """Inline links and images as CommonMark finds them: brackets paired outside code spans, then "](".

    Errs on the side of finding: a "](" after an open bracket is reported even where CommonMark
    would then reject its destination or title.
    """
    runs: dict[int, list[int]] = {}  # backtick-run length -> where such runs start
    for match in _BACKTICKS.finditer(text):
        runs.setdefault(len(match.group()), []).append(match.start())
    found: list[tuple[str, str]] = []
    openers: list[bool] = []  # per open bracket: whether it opens an image
    position = 0
    while (token := _LINK_TOKEN.search(text, position)) is not None:
        position = token.end()
        mark = token.group()
        if mark[0] == "\\":  # an escaped character is text
            continue
        if mark[0] == "`":
            # A code span runs to the next run of exactly as many backticks; without one the run is text.
            starts = runs.get(len(mark), [])
            after = bisect.bisect_left(starts, position)
            if after < len(starts):
                position = starts[after] + len(mark)
        elif mark.endswith("["):
            openers.append(mark == "![")
        elif mark == "]" and openers:
            image = openers.pop()
            if not text.startswith("(", position):
                continue
            start = _SPACES_THEN.match(text, position + 1).end()
            end = _destination_end(text, start)
            found.append(("image" if image else "link", text[start:min(end or len(text), start + _MAX_LINK_TAIL)]))
            tail = _TITLE_THEN_CLOSE.match(text, end) if end is not None else None
            if tail:  # a whole link: its destination and title are not read as Markdown
                position = tail.end()
    return found


def _destination_end(text: str, start: int) -> int | None:
    """Where a link destination that starts at `start` ends; None if its parentheses do not balance."""
    depth, index = 0, start
    while True:
        index = _DESTINATION_RUN.match(text, index).end()
        if text.startswith("(", index) and depth < _MAX_PARENTHESES:
            depth += 1
        elif text.startswith(")", index) and depth:
            depth -= 1
        else:
            return index if depth == 0 else None
        index += 1


def _resolved(address: str) -> str:
    """A link's address as written in the output Markdown → as a reader gets it (escapes undone)."""
    return _ESCAPE.sub(r"\1", address).replace("&lt;", "<").replace("&amp;", "&")


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
        for processor in md.inlinePatterns:
            if isinstance(processor, markdown.inlinepatterns.LinkInlineProcessor):
                _bound_link_search(processor)
        _local.md = md
    return md


_MAX_LINK_TAIL = 1024  # characters after "](" in which a link's address and title must end


def _bound_link_search(processor) -> None:
    """Keep Python-Markdown's link patterns linear on any text.

    From every "[" it looks for the matching "]" to the end of the text, and from every "](" for
    the closing ")": a paragraph of 10,000 "[" took a minute. Here the brackets are paired once
    per text, and the closing parenthesis is looked for in the next _MAX_LINK_TAIL characters
    (a longer link shows as its text, in the fact sheet and the Word report).
    """
    find_text, find_link = processor.getText, processor.getLink
    paired: list = [None, {}]  # the text last seen, and its "[" → "]" pairs

    def get_text(data: str, index: int):
        if data[index - 1:index] != "[":
            return find_text(data, index)
        if paired[0] is not data:
            paired[:] = [data, _bracket_pairs(data)]
        end = paired[1].get(index - 1)
        if end is None:
            return data[index:], len(data), False
        return data[index:end], end + 1, True

    def get_link(data: str, index: int):
        return find_link(data[:index + _MAX_LINK_TAIL], index)

    processor.getText, processor.getLink = get_text, get_link


def _bracket_pairs(text: str) -> dict[int, int]:
    """Where each "[" of `text` closes, nested brackets counted (unescaped: Python-Markdown has stashed escapes)."""
    pairs, opened = {}, []
    for match in _BRACKET.finditer(text):
        if match.group() == "[":
            opened.append(match.start())
        elif opened:
            pairs[opened.pop()] = match.start()
    return pairs


_BRACKET = re.compile(r"[\[\]]")


def _safe_links_processor(markdown, md):
    class SafeLinks(markdown.treeprocessors.Treeprocessor):
        """Links may point only at http(s), mailto or an in-document anchor; images become their alt text."""

        def run(self, root):
            elements = [e for e in root.iter() if e.tag in ("a", "img")]
            # What the text asked for, before the rewrite: `links_and_images` reports it.
            self.md.dossier_links = [("link" if e.tag == "a" else "image", e.get("href" if e.tag == "a" else "src", ""))
                                     for e in elements]
            pictures = getattr(self.md, "dossier_pictures", frozenset())
            for element in elements:
                if element.tag == "img":
                    if pictures is True or element.get("src") in pictures:
                        continue  # one of the report's own pictures (Document.pictures)
                    # Never an image from content: the PDF renderer would fetch it (a tracker, a local
                    # file). load_profile refuses them; should one get here, its alt text shows instead.
                    alt = element.get("alt", "")
                    element.clear()
                    element.tag = "span"
                    element.text = alt
                elif not allowed_address(element.get("href", "")):
                    del element.attrib["href"]
            return None

    return SafeLinks(md)


@functools.lru_cache(maxsize=16)
def to_html(markdown_text: str, pictures: frozenset[str] | bool = frozenset()) -> str:
    """Markdown (a whole document body) → HTML.

    Images stay images only if their address is one of `pictures` (the report's own, by file name),
    or all of them if `pictures` is True (reading a finished Markdown file back); any other image
    becomes its alt text. Cached: the Word writer and the Markdown verifier convert the same text.
    """
    md = _converter()
    md.dossier_pictures = pictures
    try:
        return md.convert(markdown_text)
    finally:
        md.dossier_pictures = frozenset()
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
