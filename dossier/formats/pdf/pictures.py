"""Pictures the Word report and the Markdown carry as files: the timeline band, and an SVG logo as PNG.

Both are drawn by the fact sheet's engine (WeasyPrint, with the theme's stylesheet and the brand),
then rasterised by pdfium: the picture looks like the fact sheet's band, and every script is shaped
as it is there. PNG bytes are reproducible: same input, same bytes.
"""

from __future__ import annotations

import base64
import functools
import io
import threading
import weakref
from collections.abc import Mapping

from ...errors import RenderError
from ...templating import render_template, template_folders
from .factsheet import STYLESHEET, lay_out, load_weasyprint, parsed_stylesheet, template_context
from .fetcher import make_fetcher

DPI = 200  # sharp in print and on screen; a timeline band is about 40 kB
TIMELINE_TEMPLATE = "timeline.html.j2"
TIMELINE_WIDTH_MM = 160  # the Word report's text width on A4 with its margins, near enough for Letter
# The page the band is drawn on has its own size (below); the fact sheet's `paper` in the context the
# theme's stylesheet is rendered with is the Word report's (templates/reference.docx is A4), whatever
# --paper says, so that the report's picture does not change with the fact sheet's paper.
REPORT_PAPER = "a4"

_drawn: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Document → its pictures, drawn once
_drawing = threading.Lock()


def report_pictures(document) -> Mapping[str, bytes]:
    """The pictures the Document's report shows, by file name (`document.picture_names`): drawn once for
    each Document, so the Word report and the Markdown share one drawing."""
    with _drawing:
        found = _drawn.get(document)
    if found is None:
        found = {document.timeline_picture_name: _timeline(document)} if document.picture_names else {}
        with _drawing:
            _drawn[document] = found
    return found


def _timeline(document) -> bytes:
    drawn = timeline_png(document)
    if drawn is None:
        raise RenderError(f"{document.source}: the timeline picture draws nothing; the theme's timeline.html.j2 "
                          "or its stylesheet hides the band")
    return drawn


def timeline_png(document) -> bytes | None:
    """The timeline band as a PNG, cropped to what is drawn, with its resolution recorded."""
    weasyprint = load_weasyprint()
    env = document.env
    context = {**template_context(document, REPORT_PAPER), "font_size": 10}
    band = render_template(env, TIMELINE_TEMPLATE, context)
    html = (f'<!DOCTYPE html><html lang="{document.metadata["language"]}" dir="{document.direction}">'
            f"<head><meta charset=utf-8><style>@page {{ size: {TIMELINE_WIDTH_MM}mm 80mm; margin: 2mm; }}"
            f"html {{ font-size: 10pt; }} .timeline h2 {{ display: none; }} .timeline {{ margin: 0; }}"
            f"</style></head><body>{band}</body></html>")
    folders = template_folders(env)
    sheets = [parsed_stylesheet(weasyprint, render_template(env, STYLESHEET, context), folders)]
    brand_css = context.get("brand_css")
    if brand_css:
        sheets.append(parsed_stylesheet(weasyprint, brand_css, folders))
    layout = lay_out(weasyprint, html, folders, make_fetcher(folders, label=str(document.source)), sheets)
    return _rasterise(layout.write_pdf(), crop=True)


LOGO_HEIGHT_MM = 10  # the Word report's header shows the logo 1 cm high


@functools.lru_cache(maxsize=8)
def logo_png(logo) -> bytes:
    """The brand's logo as Word can show it: an SVG drawn as a PNG 1 cm high (once per process and logo: the
    build draws it before anything else, to refuse one that draws nothing); a PNG or JPEG as it is."""
    if logo.media_type == "image/svg+xml":
        return svg_png(logo.data, height_mm=LOGO_HEIGHT_MM)
    return logo.data


def svg_png(data: bytes, height_mm: float = 12) -> bytes:
    """An SVG picture as a PNG `height_mm` high at DPI (a logo for the Word report's header); a RenderError
    if it draws nothing at all."""
    weasyprint = load_weasyprint()
    source = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
    html = (f"<!DOCTYPE html><html><head><style>@page {{ size: 200mm {height_mm + 2}mm; margin: 1mm; }}"
            f"body {{ margin: 0; }} img {{ height: {height_mm}mm; display: block; }}</style></head>"
            f'<body><img src="{source}" alt=""></body></html>')
    # No template folder is involved: the fetcher admits the data: URL and nothing else.
    layout = weasyprint.HTML(string=html, url_fetcher=make_fetcher([], label="brand logo")).render()
    png = _rasterise(layout.write_pdf(), crop=True)
    if png is None:
        raise RenderError("the SVG draws nothing (WeasyPrint could not draw it, or it holds nothing visible)")
    return png


def _rasterise(data: bytes, crop: bool) -> bytes | None:
    """The first page of the PDF `data` as PNG bytes at DPI, cropped to its drawn area if `crop` (None when
    `crop` and nothing is drawn)."""
    import pypdfium2
    from PIL import Image, ImageChops

    pdf = pypdfium2.PdfDocument(data)
    try:
        bitmap = pdf[0].render(scale=DPI / 72, fill_color=(255, 255, 255, 255))
        image = bitmap.to_pil().convert("RGB")
    finally:
        pdf.close()
    if crop:
        box = ImageChops.difference(image, Image.new("RGB", image.size, (255, 255, 255))).getbbox()
        if box is None:
            return None
        if box:
            pad = round(DPI / 72 * 2)
            image = image.crop((max(box[0] - pad, 0), max(box[1] - pad, 0),
                                min(box[2] + pad, image.width), min(box[3] + pad, image.height)))
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI))  # optimize=True: 3.5× the time for 2 % fewer bytes
    return out.getvalue()
