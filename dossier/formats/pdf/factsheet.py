"""The one-page fact sheet: factsheet.html.j2 through WeasyPrint, shrunk in steps to fit one page."""

from __future__ import annotations

import logging
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

from ... import scripts
from ...errors import EnvironmentProblem, RenderError
from ...options import PAPER_SIZES
from ...templating import render_template, template_folders
from .. import Rendered
from .fetcher import drop_attachments, make_fetcher
from .fit import FONT_STEPS, Layout, describe, estimated_size, largest_fitting, spilled_blocks

TEMPLATE = "factsheet.html.j2"
KEPT_HTML = "{slug}-factsheet.html"  # with --keep-html: the laid-out page, beside the PDF
STYLESHEET = "factsheet.css"  # rendered like a template, parsed once per thread and theme
# Tagged PDF (structure tree, MarkInfo, DisplayDocTitle) with the document's title and language.
PDF_VARIANT = "pdf/ua-1"

LOGGER = logging.getLogger("dossier.pdf")

_weasyprint = None
_font_configs = threading.local()  # per thread: FontConfiguration and parsed stylesheets, by theme


def prepare() -> None:
    """Import WeasyPrint and pdfium, which rendering and reading the fact sheet need."""
    load_weasyprint()
    import pypdfium2  # noqa: F401


def render(document, options) -> Rendered:
    """Render the fact sheet to PDF: one page, or a RenderError naming what does not fit. With --keep-html,
    its companion `<slug>-factsheet.html` is the document WeasyPrint laid out, its stylesheets inlined, to
    open in a browser (not verified)."""
    weasyprint = load_weasyprint()
    env, source = document.env, str(document.source)
    context = template_context(document, options.paper)  # built once, however many layouts follow
    folders = template_folders(env)
    fetcher = make_fetcher(folders, label=source)
    stylesheets = [parsed_stylesheet(weasyprint, render_template(env, STYLESHEET, context), folders)]
    if context["brand_css"]:  # after the theme's: the brand's colours and families win
        stylesheets.append(parsed_stylesheet(weasyprint, context["brand_css"], folders))

    pages: dict[float, str] = {}

    def attempt(size: float) -> tuple[bool, Layout]:
        html = pages[size] = render_template(env, TEMPLATE, {**context, "font_size": size})
        laid_out = lay_out(weasyprint, html, folders, fetcher, stylesheets)
        layout = Layout(size, laid_out, spilled_blocks(laid_out))
        return not layout.spilled, layout

    size, layout = largest_fitting(FONT_STEPS, attempt, estimate=estimated_size)
    if size is None:
        raise RenderError(f"{source}: the fact sheet does not fit one {context['paper']} page even at "
                          f"{FONT_STEPS[-1]} pt; {describe(layout.spilled)}; shorten that content")
    companions = {}
    if options.keep_html:  # the page as laid out
        css = [render_template(env, STYLESHEET, context)] + ([context["brand_css"]] if context["brand_css"] else [])
        companions[KEPT_HTML.format(slug=document.slug)] = standalone_html(pages[size], css).encode("utf-8")
    _set_metadata(layout.laid_out, document.metadata)
    drop_attachments(layout.laid_out, source)
    data, missing = _write_pdf(layout.laid_out)
    if missing:
        _report_missing_glyphs(source, missing, options.strict)
    return Rendered(data, companions)


def standalone_html(html: str, stylesheets: list[str]) -> str:
    """The laid-out HTML with the stylesheets the renderer applied put in its head, in order, each in a
    <style data-dossier-stylesheet> element (the benchmark's WeasyPrint-alone run takes them out again)."""
    # "</" cannot end a <style> element early: in CSS, "<\\/" is the same text.
    styles = "".join("<style data-dossier-stylesheet>\n" + css.replace("</", "<\\/") + "</style>\n"
                     for css in stylesheets)
    head_end = html.find("</head>")
    return html[:head_end] + styles + html[head_end:] if head_end != -1 else styles + html


# What the fact sheet's templates (factsheet.html.j2, factsheet.css, timeline.html.j2) get besides
# document.CONTEXT: declared for theme authors, as CONTEXT is.
FACT_SHEET_CONTEXT = {
    "paper": "the CSS page size: 'A4' or 'letter' (--paper)",
    "font_size": "the root type size in pt for this layout (9 down to 7.5: the fact sheet shrinks to fit)",
    "text_direction": "text_direction(text): 'rtl' or 'ltr' by its first strong character, what "
                      "dir=\"auto\" would choose (WeasyPrint ignores \"auto\")",
    "fonts": "the page's families as CSS, from dossier's table of fonts per script: `base`, `cjk` (the "
             "page language's CJK forms), `scripts` (every other script's family, then DejaVu) and "
             "`set_as_written` (true for a script set without letter spacing)",
    "brand_logo": "the brand's logo: `src` (a data: URL) and `alt`; none without a brand logo",
    "brand_css": "the brand's stylesheet, applied by the renderer after the theme's ('' without a brand)",
}


def template_context(document, paper: str) -> dict:
    """The fact sheet template's context: the Document's, the page size, a bidi helper (`text_direction`,
    scripts.py's), the families of the page's scripts as CSS (`fonts`, from scripts.py's table), and the
    brand's logo (`brand_logo`: src, a data: URL, and alt) and stylesheet (`brand_css`, applied by the
    renderer)."""
    from ...brand import logo_data_url, stylesheet

    brand = document.brand
    logo = None
    if brand is not None and brand.logo is not None:
        logo = {"src": logo_data_url(brand.logo), "alt": document.logo_alt}
    return {**document.context, "paper": _paper(paper), "text_direction": scripts.text_direction,
            "fonts": css_fonts(document.profile.language), "brand_logo": logo,
            "brand_css": stylesheet(brand) if brand is not None else ""}


def css_fonts(language: str) -> dict:
    """scripts.fact_sheet_fonts(language) with each family as CSS: `base`, `cjk`, `scripts` (a list of
    families) and `set_as_written` (true or false)."""
    from ...brand import css_string

    fonts = scripts.fact_sheet_fonts(language)
    return {"base": css_string(fonts["base"]), "cjk": css_string(fonts["cjk"]),
            "scripts": ", ".join(map(css_string, fonts["scripts"])), "set_as_written": fonts["set_as_written"]}


def _paper(name: str) -> str:
    try:
        return PAPER_SIZES[name]
    except KeyError:  # options.resolve refuses it first; a direct caller of render() gets this
        raise RenderError(f"unknown paper size {name!r} (known: {', '.join(PAPER_SIZES)})") from None


def load_weasyprint():
    """Import WeasyPrint once, on first use: it costs half a second and needs Pango."""
    global _weasyprint
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


def lay_out(weasyprint, html: str, folders: list[Path], fetcher, stylesheets: list):
    """The HTML laid out by WeasyPrint (a weasyprint.Document) with the theme's fonts and parsed stylesheets."""
    return weasyprint.HTML(string=html, base_url=folders[0].as_uri() + "/", url_fetcher=fetcher).render(
        font_config=font_configuration(folders), stylesheets=stylesheets)


def parsed_stylesheet(weasyprint, css: str, folders: list[Path]):
    """The theme's parsed stylesheet, reused across renders: parsing it costs a fifth of a layout.

    Kept per thread (like the FontConfiguration it registers @font-face rules with) and per
    theme, for the few most recent texts: a theme whose CSS uses the context differs per profile.
    """
    cache = getattr(_font_configs, "stylesheets", None)
    if cache is None:
        cache = _font_configs.stylesheets = {}
    key = (css, tuple(folders))
    if key not in cache:
        if len(cache) >= 16:  # the theme's sheet differs per page language (its fonts) and per brand
            cache.pop(next(iter(cache)))
        cache[key] = weasyprint.CSS(string=css, base_url=folders[0].as_uri() + "/",
                                    url_fetcher=make_fetcher(folders, label=STYLESHEET),
                                    font_config=font_configuration(folders))
    return cache[key]


# -- Writing ----------------------------------------------------------------------------------

def _set_metadata(laid_out, metadata: dict[str, str]) -> None:
    """The PDF's metadata exactly as the context has it, whatever the template's <meta> tags say.

    WeasyPrint would read them back from the HTML, splitting keywords at commas and dropping
    repeats, so a keyword with a comma in it would differ from the DOCX and Markdown.
    """
    info = laid_out.metadata
    info.title = metadata["title"]
    info.authors = [metadata["author"]] if metadata["author"] else []
    info.description = metadata["subject"]
    info.keywords = [metadata["keywords"]] if metadata["keywords"] else []
    info.lang = metadata["language"]
    info.created = info.modified = metadata["created"]


def _write_pdf(laid_out) -> tuple[bytes, list[int]]:
    """The PDF bytes, and the code points WeasyPrint drew as .notdef (no installed font has them).

    The text is drawn with a true text layer (textlayer.py): copied out, it is the text as written.
    """
    from .textlayer import true_text

    with _missing_glyphs() as missing, true_text():
        data = laid_out.write_pdf(pdf_variant=PDF_VARIANT)
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
