"""The one-page fact sheet: factsheet.html.j2 through WeasyPrint, shrunk in steps to fit one page."""

from __future__ import annotations

import io
import logging
import threading
import unicodedata
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple, NoReturn
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ..context import build_context
from ..errors import EnvironmentProblem, RenderError
from ..templating import render_template, template_folders

NAME = "pdf"
LABEL = "PDF fact sheet"
FILENAME = "{slug}-factsheet.pdf"
TEMPLATE = "factsheet.html.j2"
WRAPS_LINES = True  # lines break inside values: verification lets a line break stand for a space
SLOW = True  # a layout costs more than the other formats together
STYLESHEET = "factsheet.css"  # rendered like a template, parsed once per thread and theme

# Root font size in pt, largest first: 9 pt at full size, never below the 7.5 pt floor.
FONT_STEPS = (9.0, 8.5, 8.0, 7.5)
PAPER = {"a4": "A4", "letter": "letter"}
# Tagged PDF (structure tree, MarkInfo, DisplayDocTitle) with the document's title and language.
PDF_VARIANT = "pdf/ua-1"
# A box may end this far (CSS px) below the page area, or a line reach this far past its column,
# before it counts as not fitting: rounding only.
EDGE_TOLERANCE = 0.5
LINE_TOLERANCE = 1.0

LOGGER = logging.getLogger("dossier.pdf")

_weasyprint = None
_fetcher_class = None
_font_configs = threading.local()  # per thread: FontConfiguration and parsed stylesheets, by theme


class Layout(NamedTuple):
    """One layout of the fact sheet at one type size, and what keeps it from fitting (if anything)."""

    size: float
    document: object  # weasyprint.Document
    spilled: dict[str, list[str]]


def render(profile, env, options) -> bytes:
    """Render the fact sheet to PDF bytes: one page, or a RenderError naming what does not fit."""
    weasyprint = _load_weasyprint()
    context = template_context(profile, options.paper)  # built once, however many layouts follow
    folders = template_folders(env)
    fetcher = make_fetcher(folders, label=str(profile.source))
    stylesheet = _stylesheet(weasyprint, render_template(env, STYLESHEET, context), folders)

    def attempt(size: float) -> tuple[bool, Layout]:
        html = render_template(env, TEMPLATE, {**context, "font_size": size})
        document = _layout(weasyprint, html, folders, fetcher, stylesheet)
        layout = Layout(size, document, spilled_blocks(document))
        return not layout.spilled, layout

    size, layout = largest_fitting(FONT_STEPS, attempt, estimate=estimated_size)
    if size is None:
        raise RenderError(f"{profile.source}: the fact sheet does not fit one {context['paper']} page even at "
                          f"{FONT_STEPS[-1]} pt; {_describe(layout.spilled)}; shorten that content")
    _set_metadata(layout.document, context["metadata"])
    _drop_attachments(layout.document, str(profile.source))
    data, missing = _write_pdf(layout.document)
    if missing:
        _report_missing_glyphs(str(profile.source), missing, options.strict)
    return data


def template_context(profile, paper: str) -> dict:
    """The fact sheet template's context: the shared context, the page size and a bidi helper."""
    return {**build_context(profile), "paper": _paper(paper), "text_direction": text_direction}


def text_direction(text: str) -> str:
    """'rtl' or 'ltr' by the first strong character (Unicode bidi rule P2), as dir="auto" means.

    WeasyPrint ignores dir="auto"; the template sets dir explicitly with this instead.
    """
    for char in str(text):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _describe(spilled: dict[str, list[str]]) -> str:
    return "; ".join(f"{reason}: {', '.join(names)}" for reason, names in spilled.items())


def largest_fitting(steps, attempt, estimate=None):
    """The largest of `steps` (largest first) at which `attempt` fits: (step, result), or (None, result).

    `attempt(step)` returns (fits, result). The first step is tried first, so content that fits
    at full size costs one attempt. After that the search starts at the step `estimate(result of
    the first attempt)` proposes (the middle step without one) and walks to larger type while it
    fits, or to smaller type until it fits, so a good estimate costs two attempts in all. Smaller
    type is assumed never to need more room. When not even the last step fits, the result is that
    of the last step tried, the smallest.
    """
    results: dict[int, tuple[bool, object]] = {}

    def fits(index: int) -> bool:
        if index not in results:
            results[index] = attempt(steps[index])
        return results[index][0]

    if fits(0) or len(steps) == 1:
        return (steps[0] if results[0][0] else None), results[0][1]
    guess = estimate(results[0][1]) if estimate else steps[len(steps) // 2]
    index = next((i for i, step in enumerate(steps) if i > 0 and step <= guess), len(steps) - 1)
    if fits(index):
        while index > 1 and fits(index - 1):
            index -= 1
        return steps[index], results[index][1]
    while index < len(steps) - 1:
        index += 1
        if fits(index):
            return steps[index], results[index][1]
    return None, results[index][1]


def estimated_size(layout: Layout) -> float:
    """The type size (pt) at which an overflowing layout should just fit one page.

    Measured on this theme, the height text needs grows with the type size to the power of about
    1.6 (lines get taller and hold fewer words); aim for 97 % of the page to leave room for
    blocks that cannot break.
    """
    return layout.size * (0.97 / max(_pages_needed(layout.document), 0.01)) ** (1 / 1.6)


def _pages_needed(document) -> float:
    """The height the content takes, in pages: the flow on every page plus any footnote area."""
    area = document.pages[0]._page_box.height
    used = 0.0
    for page in document.pages:
        for child in page._page_box.children:
            if isinstance(child, _boxes().FootnoteAreaBox) and child.children:
                used += child.margin_height()
            elif getattr(child, "element_tag", None) == "html":
                used += child.margin_height()
    return used / area


def _paper(name: str) -> str:
    try:
        return PAPER[name]
    except KeyError:
        raise RenderError(f"unknown paper size {name!r} (known: {', '.join(PAPER)})") from None


def _load_weasyprint():
    """Import WeasyPrint once, on first use: it costs half a second and needs Pango."""
    global _weasyprint, _fetcher_class
    if _weasyprint is None:
        try:
            with warnings.catch_warnings():
                # Its "no fonts configured" warning becomes our one-line error below.
                warnings.filterwarnings("ignore", message=".*FontConfig.*", category=UserWarning)
                import weasyprint
        except OSError as exc:  # cffi cannot open libpango / libharfbuzz
            raise EnvironmentProblem(
                f"WeasyPrint cannot load a system library ({exc}); install Pango: "
                "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0") from None
        _require_fonts()
        _fetcher_class = _define_fetcher(weasyprint)
        _weasyprint = weasyprint
    return _weasyprint


def _require_fonts() -> None:
    """Fontconfig must know at least one font: without, every glyph is a box and nothing fits."""
    from weasyprint.text.ffi import ffi, fontconfig

    # The calls WeasyPrint's own import-time check makes (the only ones its bindings declare).
    config = ffi.gc(fontconfig.FcInitLoadConfigAndFonts(), fontconfig.FcConfigDestroy)
    if fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem).nfont == 0:
        raise EnvironmentProblem("no fonts are installed (fontconfig knows none); install fonts: "
                                 "apt-get install fonts-dejavu-core fonts-noto-core")


def font_configuration(folders: list[Path]):
    """A FontConfiguration shared by the renders of one thread with the same template folders.

    Sharing saves about a tenth of a render. Fonts a template declares with @font-face are added
    to it, hence one per set of folders; Pango's font maps are not shared between threads.
    """
    cache = getattr(_font_configs, "by_folders", None)
    if cache is None:
        cache = _font_configs.by_folders = {}
    key = tuple(folders)
    if key not in cache:
        from weasyprint.text.fonts import FontConfiguration

        cache[key] = FontConfiguration()
    return cache[key]


# -- Safe fetching ----------------------------------------------------------------------------

def _define_fetcher(weasyprint):
    class TemplateFolderFetcher(weasyprint.urls.URLFetcher):
        """Fetches data: URLs and regular files inside the template folders; refuses anything else.

        WeasyPrint resolves every URL (after any <base href>) before fetching, and uses this
        one fetcher for the HTML, every stylesheet, @import, @font-face, images, SVG and
        attachments, so this is the single gate between a template and the machine.
        """

        def __init__(self, folders: list[Path], label: str):
            # No network handler is ever reached: fetch() refuses http(s) before super() sees it.
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=5)
            self.folders = [folder.resolve() for folder in folders]
            self.label = label
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            path = self.allowed_path(url) if scheme == "file" else None
            if path is None:
                self.refuse(url)
            return super().fetch(path.as_uri(), headers)

        def allowed_path(self, url: str) -> Path | None:
            """The regular file a file: URL names, if it lies inside a template folder."""
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return None
            # resolve() follows symbolic links and '..', so a link out of the folder is caught;
            # is_file() refuses devices and pipes (file:///dev/urandom would never end).
            path = Path(url2pathname(parts.path)).resolve()
            inside = any(path.is_relative_to(folder) for folder in self.folders)
            return path if inside and path.is_file() else None

        def refuse(self, url: str) -> NoReturn:
            if url not in self.refused:
                self.refused.append(url)
                shown = url if len(url) <= 200 else url[:200] + "…"
                LOGGER.warning("%s: fact sheet: refused to load %s (only data: URLs and files inside "
                               "the template folders may be loaded)", self.label, shown)
            raise ValueError(f"refused: {url[:200]}")

    return TemplateFolderFetcher


def make_fetcher(folders: list[Path], label: str = "fact sheet"):
    """The allow-list fetcher for one render: data: URLs and files inside `folders` only."""
    _load_weasyprint()
    return _fetcher_class(folders, label)


def _drop_attachments(document, label: str) -> None:
    """A fact sheet embeds no files: drop <link rel=attachment> and <a rel=attachment> targets."""
    links = [link for page in document.pages for link in page.links if link[0] == "attachment"]
    count = len(document.metadata.attachments) + len(links)
    if count:
        LOGGER.warning("%s: fact sheet: dropped %d attachment(s): the fact sheet embeds no files", label, count)
        document.metadata.attachments = []
        for page in document.pages:
            page.links[:] = [link for link in page.links if link[0] != "attachment"]


# -- Layout -----------------------------------------------------------------------------------

def _layout(weasyprint, html: str, folders: list[Path], fetcher, stylesheet):
    return weasyprint.HTML(string=html, base_url=folders[0].as_uri() + "/", url_fetcher=fetcher).render(
        font_config=font_configuration(folders), stylesheets=[stylesheet])


def _stylesheet(weasyprint, css: str, folders: list[Path]):
    """The theme's parsed stylesheet, reused across renders: parsing it costs a fifth of a layout.

    Kept per thread (like the FontConfiguration it registers @font-face rules with) and per
    theme, for the few most recent texts: a theme whose CSS uses the context differs per profile.
    """
    cache = getattr(_font_configs, "stylesheets", None)
    if cache is None:
        cache = _font_configs.stylesheets = {}
    key = (css, tuple(folders))
    if key not in cache:
        if len(cache) >= 4:
            cache.pop(next(iter(cache)))
        cache[key] = weasyprint.CSS(string=css, base_url=folders[0].as_uri() + "/",
                                    url_fetcher=make_fetcher(folders, label=STYLESHEET),
                                    font_config=font_configuration(folders))
    return cache[key]


def spilled_blocks(document) -> dict[str, list[str]]:
    """What keeps the layout from being one readable page: {reason: [`data-block` names]}; empty if it is.

    A block spills when any of its boxes lies on a later page or below the page area, or has a
    line wider than its column (an unbreakable value). A declared block that page 1 does not show
    at all spills too: a fixed-height container, say, can swallow it without a second page.
    """
    first = document.pages[0]._page_box
    bottom = first.content_box_y() + first.height + EDGE_TOLERANCE
    problems: dict[str, str] = {}
    shown: set[str] = set()
    for name, box, column in _named_boxes(first):
        shown.add(name)
        if box.border_box_y() + box.border_height() > bottom:
            problems.setdefault(name, "cut off at the foot of the page")
        elif column is not None and _too_wide(box, column):
            problems.setdefault(name, "too wide for its column")
    for page in document.pages[1:]:
        for name, _box, _column in _named_boxes(page._page_box):
            problems.setdefault(name, "spilling onto page 2")
    if len(document.pages) > 1 and not problems:
        # A theme without data-block names still gets exactly one page.
        problems["content without a data-block name"] = "spilling onto page 2"
    for name in _declared_blocks(first):
        if name not in shown:
            problems.setdefault(name, "not on the page")
    by_reason: dict[str, list[str]] = {}
    for name, reason in problems.items():
        by_reason.setdefault(reason, []).append(name)
    return by_reason


def _named_boxes(box, name=None, column=None):
    """(block name, box, (left, right) of its column) for every box inside a `data-block` element."""
    for child in getattr(box, "children", ()):
        child_name = _block_name(child) or name
        child_column = column
        if not isinstance(child, _boxes().LineBox) and isinstance(child, _boxes().BlockContainerBox):
            # The padding box: a hanging bullet or indent may use the padding, not go past it.
            child_column = (child.padding_box_x(), child.padding_box_x() + child.padding_width())
        if child_name:
            yield child_name, child, column
        yield from _named_boxes(child, child_name, child_column)


def _too_wide(box, column) -> bool:
    """Whether a line's content reaches past its column: a value with no break point, say."""
    if not isinstance(box, _boxes().LineBox):
        return False
    parts = [c for c in box.children if not (getattr(c, "element_tag", "") or "").endswith("::marker")]
    if not parts:
        return False
    left = min(c.position_x for c in parts)
    right = max(c.position_x + c.margin_width() for c in parts)
    return left < column[0] - LINE_TOLERANCE or right > column[1] + LINE_TOLERANCE


def _declared_blocks(page_box) -> list[str]:
    roots = [box.element for box in page_box.children if getattr(box, "element_tag", None) == "html"]
    return [e.get("data-block") for e in roots[0].iter() if e.get("data-block")] if roots else []


def _block_name(box) -> str | None:
    element = getattr(box, "element", None)
    # Only the element's own boxes count: its ::before, ::marker, ::footnote-call boxes share it.
    if element is None or "::" in (getattr(box, "element_tag", None) or ""):
        return None
    return element.get("data-block")


def _boxes():
    from weasyprint.formatting_structure import boxes

    return boxes


# -- Writing ----------------------------------------------------------------------------------

def _set_metadata(document, metadata: dict[str, str]) -> None:
    """The PDF's metadata exactly as the context has it, whatever the template's <meta> tags say.

    WeasyPrint would read them back from the HTML, splitting keywords at commas and dropping
    repeats, so a keyword with a comma in it would differ from the DOCX and Markdown.
    """
    info = document.metadata
    info.title = metadata["title"]
    info.authors = [metadata["author"]] if metadata["author"] else []
    info.description = metadata["subject"]
    info.keywords = [metadata["keywords"]] if metadata["keywords"] else []
    info.lang = metadata["language"]
    info.created = info.modified = metadata["created"]


def _write_pdf(document) -> tuple[bytes, list[int]]:
    """The PDF bytes, and the code points WeasyPrint drew as .notdef (no installed font has them)."""
    with _missing_glyphs() as missing:
        data = document.write_pdf(pdf_variant=PDF_VARIANT)
    return data, sorted(set(missing))


@contextmanager
def _missing_glyphs():
    """Collect WeasyPrint's '.notdef glyph rendered' warnings of this thread while writing."""
    missing: list[int] = []
    thread = threading.get_ident()

    class Collector(logging.Handler):
        def emit(self, record):
            if record.thread == thread and record.msg.startswith(".notdef glyph") and len(record.args) == 2:
                missing.append(record.args[1])

    logger = logging.getLogger("weasyprint")
    handler = Collector(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield missing
    finally:
        logger.removeHandler(handler)


def _report_missing_glyphs(label: str, codepoints: list[int], strict: bool) -> None:
    plain = [code for code in codepoints if chr(code).isascii() and chr(code).isalnum()]
    if plain:  # not one odd character: the machine has no usable font at all
        shown = ", ".join(f"U+{code:04X}" for code in plain[:5]) + (", …" if len(plain) > 5 else "")
        raise EnvironmentProblem(f"{label}: fact sheet: no installed font has the letters and digits of "
                                 f"plain text ({shown}); install fonts: apt-get install fonts-dejavu-core "
                                 "fonts-noto-core")
    listed = ", ".join(f"U+{code:04X}" for code in codepoints)
    message = (f"{label}: fact sheet: no installed font has a glyph for {listed}; those characters "
               "print as empty boxes (install fonts-noto-core and fonts-noto-cjk, or change the text)")
    if strict:
        raise RenderError(message)
    LOGGER.warning("%s", message)


# -- Reading back -----------------------------------------------------------------------------

def read_text(data: bytes) -> str:
    """The text layer of every page, as a PDF viewer's copy would give it."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(io.BytesIO(data))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def read_metadata(data: bytes) -> dict[str, str]:
    """The PDF's document information, in the keys of context.metadata()."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(io.BytesIO(data))
    try:
        info = pdf.get_metadata_dict()
        catalog_lang = _catalog_language(pdf)
    finally:
        pdf.close()
    created = info.get("CreationDate", "")  # D:YYYYMMDDHHmmSS…
    return {
        "title": info.get("Title", ""),
        "subject": info.get("Subject", ""),
        "author": info.get("Author", ""),
        "keywords": info.get("Keywords", ""),
        "language": catalog_lang,
        "created": f"{created[2:6]}-{created[6:8]}-{created[8:10]}" if created.startswith("D:") else "",
    }


def _catalog_language(pdf) -> str:
    """The document catalog's /Lang (pypdfium2 has no helper for it)."""
    import ctypes

    import pypdfium2.raw as pdfium

    size = pdfium.FPDFCatalog_GetLanguage(pdf.raw, None, 0)  # bytes, UTF-16LE with terminator
    if size <= 2:
        return ""
    buffer = (ctypes.c_ushort * (size // 2))()
    pdfium.FPDFCatalog_GetLanguage(pdf.raw, buffer, size)
    return bytes(buffer).decode("utf-16-le").rstrip("\x00")
