"""A true text layer for the fact sheet: what a reader copies out of the PDF is the text that was written.

WeasyPrint 70 maps each glyph to one Unicode string, the text of the first cluster it drew the glyph in
(Kozea/WeasyPrint#2841). That is wrong for a glyph shared between clusters (Noto Sans Tamil's ச in செ
and in சி) and for a cluster of several glyphs, whose extra glyphs map to nothing: pdfium reads such a
glyph as its glyph id (सɟक्रिय), poppler as a word break (स क्रिय). A mark drawn raised or lowered is a
text object of its own that pdfium and poppler put elsewhere on the line (การวิจัยเชงรุก ิ). And
right-to-left text is drawn in visual order, which a reader without a bidi algorithm (pdfminer.six)
gives back reversed.

While `true_text()` is active in a thread, WeasyPrint's text drawing is replaced for the lines that need
it; a line of simple clusters, left to right, is drawn by WeasyPrint itself, byte for byte as before.

- Clusters: a cluster of combining marks joins the cluster before it (Pango makes a cluster of each
  mark), so that a base and its marks are read together.
- ToUnicode: the glyphs of a cluster, in the order they are drawn, map to its text in logical order (one
  character each, the first glyph any characters left over, a glyph more than there are characters to
  U+2060 WORD JOINER, an invisible character: an empty mapping would be malformed). Where the font's ToUnicode map says otherwise for a glyph, the cluster is drawn with a
  variant of the font: another Type0 font dictionary on the same embedded font program and
  descendant font, with a ToUnicode map of its own (the font program and the Identity-H encoding, which
  every reader knows, are not touched).
- ActualText: a cluster of several glyphs, or of several characters in right-to-left text, is drawn in a
  marked-content sequence `/Span <</ActualText (its text)>> BDC … EMC`, nested in the structure's own
  sequence; pdfium and poppler read that instead of the glyphs. A line with a raised or lowered glyph
  gets one such sequence for the whole line.
- Order: a line of right-to-left text is drawn in logical order (ISO 32000-1 14.8.2.3: the content of a
  Tagged PDF is in reading order): its runs in the order of the text, each cluster a text object of its
  own, from the right, moved to its place. The page looks the same; readers that rebuild lines by place
  (poppler, pdfium) see what they saw before, readers that follow the content (pdfminer) read in order.
  A line of both directions stays in visual order: in logical order its content would jump back and
  forth along the line, and pdfminer, which builds lines from consecutive characters that are close,
  would cut it into pieces and scatter them among the other lines of the page.
- Where left-to-right text that starts with a neutral character (a bracket) follows right-to-left text,
  a left-to-right mark (U+200E) in an ActualText says so, for readers (poppler) that would count the
  neutral in with the right-to-left text.

The replacement follows WeasyPrint 70's own code (weasyprint/draw/text.py, weasyprint/pdf/fonts.py): it
is installed for 70.x only, and tests/formats/pdf/test_textlayer.py says when it stops working.
"""

from __future__ import annotations

import itertools
import logging
import threading
import unicodedata
from contextlib import contextmanager

LOGGER = logging.getLogger("dossier.pdf")

SUPPORTED_VERSION = "70."
LEFT_TO_RIGHT_MARK = "\u200e"
# What a glyph beyond a cluster's characters maps to: an empty ToUnicode destination is malformed
# (PDF/UA-1, PDFUA1-FONT-UNICODE-MAPPING-001), and the word joiner is invisible and joins nothing apart.
NOTHING = "\u2060"
_MARKS = ("Mn", "Mc", "Me")  # combining marks: they belong with the character before them
_GLYPH_INFO_INTS = 5  # PangoGlyphInfo, in 32-bit integers

_state = threading.local()  # depth of true_text(); variants: {font hash: [{glyph id: text}, …]}
_install_lock = threading.Lock()
_installed: bool | None = None  # None: not tried yet; False: this WeasyPrint is not supported
_original_draw_first_line = None
_original_build_fonts_dictionary = None


@contextmanager
def true_text():
    """Draw text with a true text layer in this thread while the block runs (around `write_pdf`)."""
    if not install():
        yield
        return
    depth = getattr(_state, "depth", 0)
    if not depth:
        _state.variants = {}
    _state.depth = depth + 1
    try:
        yield
    finally:
        _state.depth = depth
        if not depth:
            _state.variants = None


def install() -> bool:
    """Replace WeasyPrint's text drawing and font dictionaries, once; they act only inside `true_text()`."""
    global _installed, _original_draw_first_line, _original_build_fonts_dictionary
    if _installed is not None:
        return _installed
    with _install_lock:
        if _installed is not None:
            return _installed
        import weasyprint
        import weasyprint.pdf
        from weasyprint.draw import text as draw_text

        if not weasyprint.__version__.startswith(SUPPORTED_VERSION):
            LOGGER.warning("WeasyPrint %s is not %sx: the fact sheet's text layer is WeasyPrint's own, and "
                           "text copied from it may be wrong in complex scripts", weasyprint.__version__,
                           SUPPORTED_VERSION)
            _installed = False
            return False
        _original_draw_first_line = draw_text.draw_first_line
        _original_build_fonts_dictionary = weasyprint.pdf.build_fonts_dictionary
        draw_text.draw_first_line = draw_first_line
        weasyprint.pdf.build_fonts_dictionary = build_fonts_dictionary
        _installed = True
        return True


# -- Font variants ----------------------------------------------------------------------------

def _variant(font, needs: dict[int, str]) -> int:
    """The font variant whose ToUnicode map gives each glyph of `needs` its text: 0 for the font's own
    map (extended with the glyphs it does not have yet), k for the k-th variant, made or extended.
    Every glyph drawn gets an entry in the font's own map too: WeasyPrint embeds the glyphs it lists."""
    to_unicode = font.to_unicode
    if all(to_unicode.get(glyph, text) == text for glyph, text in needs.items()):
        for glyph, text in needs.items():
            to_unicode.setdefault(glyph, text)
        return 0
    for glyph, text in needs.items():
        if glyph not in to_unicode:
            to_unicode[glyph] = text or "".join(needs.values())
    variants = _state.variants.setdefault(font.hash, [])
    for number, mapping in enumerate(variants, 1):
        if all(mapping.get(glyph, text) == text for glyph, text in needs.items()):
            mapping.update(needs)
            return number
    variants.append(dict(needs))
    return len(variants)


def _font_name(font_hash: str, variant: int) -> str:
    """The font's resource name: WeasyPrint's (6 capital letters), or that and V1, V2… for a variant."""
    return f"{font_hash}V{variant}" if variant else font_hash


def build_fonts_dictionary(pdf, fonts, compress, subset, options):
    """WeasyPrint's font resources, and a Type0 font for each variant, sharing the embedded font."""
    import pydyf

    pdf_fonts = _original_build_fonts_dictionary(pdf, fonts, compress, subset, options)
    for font_hash, variants in sorted((getattr(_state, "variants", None) or {}).items()):
        font = pdf.objects[int(pdf_fonts[font_hash].split()[0])]
        for number, mapping in enumerate(variants, 1):
            to_unicode = _to_unicode_cmap(mapping, compress)
            pdf.add_object(to_unicode)
            variant = pydyf.Dictionary({
                "Type": "/Font",
                "Subtype": "/Type0",
                "BaseFont": font["BaseFont"],
                "Encoding": font["Encoding"],
                "DescendantFonts": font["DescendantFonts"],
                "ToUnicode": to_unicode.reference,
            })
            pdf.add_object(variant)
            pdf_fonts[_font_name(font_hash, number)] = variant.reference
    return pdf_fonts


def _to_unicode_cmap(mapping: dict[int, str], compress: bool):
    """A ToUnicode CMap, written as WeasyPrint writes its own."""
    import pydyf

    stream = pydyf.Stream([
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange"], compress=compress)
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        stream.stream.append(f"{len(batch)} beginbfchar".encode())
        for glyph, text in batch:
            stream.stream.append(f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode())
        stream.stream.append(b"endbfchar")
    stream.stream.extend([b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"])
    return stream


# -- Drawing ----------------------------------------------------------------------------------

class _Glyph:
    __slots__ = ("advance", "code", "kerning", "natural", "offset", "rise", "x")


class _Cluster:
    __slots__ = ("glyphs", "marked", "prefix", "text", "variant")


class _Run:
    __slots__ = ("backwards", "clusters", "font", "rtl", "size", "start")


def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    """WeasyPrint's draw_first_line, drawing a line that needs it with a true text layer."""
    if (not getattr(_state, "depth", 0) or text_overflow == "ellipsis" or block_ellipsis != "none"
            or not textbox.text.strip() or textbox.style["font_size"] < 1e-6):
        return _original_draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
    from weasyprint.text.ffi import pango

    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    first_line, _index = textbox.pango_layout.get_first_line()
    laid_out = _complex_line(stream, textbox, first_line)
    if laid_out is None:
        return _original_draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
    stream.set_text_matrix(*matrix.values)
    _draw(stream, *laid_out)
    return []


def _complex_line(stream, textbox, line):
    """The line laid out for drawing here, or None if WeasyPrint's own drawing is right: left to right,
    and every cluster one glyph, not raised, whose ToUnicode entry is the cluster's text.

    This runs for every line of the page: it reads Pango's glyph arrays in bulk and compares bytes."""
    from weasyprint.text.ffi import ffi, pango

    empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG
    utf8 = None
    pending: dict[tuple, bytes] = {}  # ToUnicode entries WeasyPrint will add while drawing the line
    items = []
    simple = True
    run = line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        font, font_size = stream.add_font(glyph_item.item.analysis.font)
        if font.bitmap or font.png or font.svg or font.colr:
            return None  # emoji and bitmap fonts: WeasyPrint's drawing, as it is
        items.append((glyph_item, font, font_size))
        if not simple:
            continue
        item = glyph_item.item
        if item.analysis.level % 2:
            simple = False
            continue
        glyph_string = glyph_item.glyphs
        count = glyph_string.num_glyphs
        if not count:
            continue
        # PangoGlyphInfo: glyph, width, x_offset, y_offset, attributes (32 bits each).
        infos = ffi.unpack(ffi.cast("uint32_t *", glyph_string.glyphs), count * _GLYPH_INFO_INTS)
        clusters = ffi.unpack(glyph_string.log_clusters, count)
        if any(infos[3::_GLYPH_INFO_INTS]) or len(set(clusters)) != count or clusters != sorted(clusters):
            simple = False  # a raised glyph, a cluster of several glyphs, clusters out of order
            continue
        glyphs = infos[0::_GLYPH_INFO_INTS]
        if max(glyphs) >= min(empty, unknown):
            simple = False  # let the general case deal with empty glyphs and missing characters
            continue
        # The line reads right if the glyphs' ToUnicode entries, in order, spell the run's text, none
        # of them empty; a glyph not met yet will map to its cluster's text.
        known = _known_texts(font)
        mapped = list(map(known.get, glyphs))
        if None in mapped:
            utf8 = utf8 or textbox.pango_layout.text.encode()
            to_unicode, font_id, ends = font.to_unicode, id(font), clusters[1:] + [item.length]
            for i, text in enumerate(mapped):
                if text is None:
                    glyph = glyphs[i]
                    if glyph in to_unicode:
                        text = known[glyph] = to_unicode[glyph].encode()
                    else:
                        text = pending.setdefault(
                            (font_id, glyph), utf8[item.offset + clusters[i]:item.offset + ends[i]])
                    mapped[i] = text
        utf8 = utf8 or textbox.pango_layout.text.encode()
        if b"" in mapped or b"".join(mapped) != utf8[item.offset:item.offset + item.length]:
            simple = False  # a glyph met before in another cluster
    if simple:
        return None
    return _lay_out(stream, textbox, items)


def _known_texts(font) -> dict[int, bytes]:
    """The font's ToUnicode entries in UTF-8, as far as they were needed (an entry never changes)."""
    known = getattr(font, "_dossier_known", None)
    if known is None:
        known = {}
        font._dossier_known = known
    return known


def _lay_out(stream, textbox, items) -> tuple[list[_Run], str | None]:
    """The runs in the order to draw them, each with its clusters, in visual order, of glyphs with their
    codes, offsets and places as WeasyPrint would draw them, and the font variant to draw each cluster
    with; and the line's text if it is to be said once for the whole line."""
    from weasyprint.logger import LOGGER as WEASYPRINT_LOGGER
    from weasyprint.text.ffi import FROM_UNITS, pango

    empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG
    old_pango = pango.pango_version() < 14802
    utf8 = textbox.pango_layout.text.encode()
    runs: list[_Run] = []
    x = 0.0
    for glyph_item, font, font_size in items:
        if old_pango:  # WeasyPrint's workaround for https://gitlab.gnome.org/GNOME/pango/-/issues/530
            font_size = textbox.style["font_size"]
        pango_font = glyph_item.item.analysis.font
        item = glyph_item.item
        rtl = bool(item.analysis.level % 2)
        offset_bytes, length = item.offset, item.length
        glyph_string = glyph_item.glyphs
        count = glyph_string.num_glyphs
        infos, clusters = glyph_string.glyphs, glyph_string.log_clusters
        starts = sorted({clusters[i] for i in range(count)})
        ends = dict(zip(starts, starts[1:] + [length]))
        scale = font_size / 1000
        run = _Run()
        run.font, run.size, run.rtl, run.start, run.clusters = font, font_size, rtl, offset_bytes, []
        run.backwards = False
        current = None
        for i in range(count):
            info = infos[i]
            glyph_id = info.glyph
            width = info.geometry.width
            if current is None or clusters[i] != clusters[i - 1]:
                current = _Cluster()
                current.glyphs, current.marked, current.prefix, current.variant = [], False, "", 0
                start = clusters[i]
                current.text = utf8[offset_bytes + start:offset_bytes + ends[start]].decode()
                run.clusters.append(current)
            glyph = _Glyph()
            glyph.x = x
            if glyph_id == empty:  # a zero-width empty glyph: a move
                glyph.code, glyph.offset, glyph.rise, glyph.kerning = None, -width / font_size, 0, 0
                glyph.advance = width / font_size
                current.glyphs.append(glyph)
                x += glyph.advance * scale
                continue
            if glyph_id & unknown:
                codepoint = glyph_id - unknown
                WEASYPRINT_LOGGER.warning(
                    '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)',
                    chr(codepoint), codepoint)
                glyph_id = font.get_unused_glyph_id(codepoint)
                font.widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                if 0 not in font.widths:
                    font.widths[0] = font.widths[glyph_id]
                current.marked = None  # drawn as WeasyPrint draws it
            t1 = clusters[i]  # what WeasyPrint maps a glyph to, the first time it draws it
            if rtl:
                t2 = length if i == 0 else clusters[i - 1]
            else:
                t2 = length if i == count - 1 else clusters[i + 1]
            glyph.natural = utf8[offset_bytes + t1:offset_bytes + t2].decode()
            glyph.code = glyph_id
            offset = info.geometry.x_offset / font_size
            glyph.offset = offset
            glyph.rise = info.geometry.y_offset / 1000
            if glyph_id in font.widths:
                logical_width = font.widths[glyph_id]
            else:
                pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
                logical_width = font.widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
            kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
            glyph.kerning = int(kerning)
            glyph.advance = offset + logical_width - glyph.kerning
            current.glyphs.append(glyph)
            x += glyph.advance * scale
        runs.append(run)
    for run in runs:
        run.clusters = _graphemes(run)
        for cluster in run.clusters:
            _encode(run, cluster)
    if any(run.rtl for run in runs):
        _mark_direction_changes(runs)
        if all(run.rtl for run in runs):  # reading order: the runs as the text has them, each from the right
            runs.sort(key=lambda run: run.start)
            for run in runs:
                run.backwards = True
        # else a line of both directions stays in visual order (see the module's docstring)
    line_text = None
    if any(glyph.rise for run in runs for cluster in run.clusters for glyph in cluster.glyphs):
        # A raised glyph is a text object of its own that readers rebuilding the line by place put
        # elsewhere on it: the line's text is said once, for the whole line.
        line_text = "".join(cluster.prefix + cluster.text for run in sorted(runs, key=lambda run: run.start)
                            for cluster in (reversed(run.clusters) if run.rtl else run.clusters))
        for run in runs:
            for cluster in run.clusters:
                cluster.marked = False
    return runs, line_text


def _graphemes(run) -> list[_Cluster]:
    """The run's clusters, a cluster of combining marks joined to the one before it in the text."""
    logical = run.clusters[::-1] if run.rtl else run.clusters
    joined: list[_Cluster] = []
    for cluster in logical:
        if joined and cluster.text and joined[-1].marked is not None and cluster.marked is not None \
                and all(unicodedata.category(char) in _MARKS for char in cluster.text):
            base = joined[-1]
            base.glyphs = cluster.glyphs + base.glyphs if run.rtl else base.glyphs + cluster.glyphs
            base.text += cluster.text
            continue
        joined.append(cluster)
    return joined[::-1] if run.rtl else joined


def _encode(run, cluster) -> None:
    """Draw the cluster with a font variant whose ToUnicode map spells its text with its glyphs, in the
    order they are drawn (each glyph a character, the first one the characters left over; a glyph more
    than there are characters maps to an invisible word joiner), and mark it with an ActualText where readers would not
    read it right from that map: several glyphs (readers that sort glyphs by place would read the
    characters out of order; pdfium reads a glyph that maps to nothing as its glyph id, poppler as a
    word break), or several characters in right-to-left text (readers reverse them)."""
    glyphs = [glyph for glyph in cluster.glyphs if glyph.code is not None]
    if cluster.marked is None:  # a character no font has: as WeasyPrint draws it
        for glyph in glyphs:
            run.font.to_unicode.setdefault(glyph.code, glyph.natural)
        cluster.marked = False
        return
    if not glyphs:
        return
    text = cluster.text
    spare = max(len(text) - len(glyphs), 0)
    needs = {glyphs[0].code: text[:spare + 1]}
    for index, glyph in enumerate(glyphs[1:], spare + 1):
        needs.setdefault(glyph.code, text[index:index + 1] or NOTHING)
    cluster.variant = _variant(run.font, needs)
    cluster.marked = bool(cluster.text) and (len(glyphs) > 1 or (run.rtl and len(cluster.text) > 1))


def _mark_direction_changes(runs) -> None:
    """Where left-to-right text that starts with a neutral character (a bracket, a space) follows
    right-to-left text on the line, put a left-to-right mark (U+200E) before it: readers that put the
    line back in logical order (poppler) count neutral characters after right-to-left text in with it,
    and would read 'Requena (ستيفان)' as 'Requena ()ستيفان'."""
    for before, after in itertools.pairwise(runs):  # visual order
        if not before.rtl or after.rtl or not after.clusters:
            continue
        first = after.clusters[0]
        if first.marked is None or not first.text or not first.glyphs:
            continue
        if unicodedata.bidirectional(first.text[0]) not in ("L", "EN", "AN"):
            first.prefix = LEFT_TO_RIGHT_MARK
            first.marked = True


def _actual_text(text: str):
    import pydyf

    return pydyf.Dictionary({"ActualText": b"<feff" + text.encode("utf-16-be").hex().encode() + b">"})


def _draw(stream, runs: list[_Run], line_text: str | None) -> None:
    """Draw the runs in their order: left-to-right clusters continue one another; right-to-left ones
    are drawn one by one, from the right, each moved to its place; a marked cluster in a span of its
    own, or the whole line in one if `line_text` is given."""
    pen = line = 0.0  # the pen's and the text line's x, from the start of the line
    array = ""  # the current TJ array: hex strings of codes, and numbers
    font = None

    def glyph(code: int):
        nonlocal array
        array = (array[:-1] if array.endswith(">") else array + "<") + f"{code:04x}>"

    def number(value):
        nonlocal array
        array += f" {value}" if array and not array.endswith(">") else f"{value}"

    def flush():
        nonlocal array
        if array:
            stream.show_text(array)
            array = ""

    def move_to(x: float):
        nonlocal pen, line
        if abs(x - pen) > 1e-6:
            flush()
            step = round(x - line, 4)
            stream.move_text_to(step, 0)
            line += step
            pen = line

    if line_text:
        stream.begin_marked_content("Span", _actual_text(line_text))
    for run in runs:
        scale = run.size / 1000
        for cluster in reversed(run.clusters) if run.backwards else run.clusters:
            if not cluster.glyphs:
                continue
            if (run.font, cluster.variant, run.size) != font:
                flush()
                stream.set_font_size(_font_name(run.font.hash, cluster.variant), run.size)
                font = (run.font, cluster.variant, run.size)
            move_to(cluster.glyphs[0].x)
            if cluster.marked:
                flush()
                stream.begin_marked_content("Span", _actual_text(cluster.prefix + cluster.text))
            for item in cluster.glyphs:
                if item.code is None:  # an empty glyph: a move
                    number(item.offset)
                elif item.rise:
                    flush()
                    stream.set_text_rise(-item.rise)
                    if item.offset:
                        number(-item.offset)
                    glyph(item.code)
                    flush()
                    stream.set_text_rise(0)
                    if item.kerning:
                        number(item.kerning)
                else:
                    if item.offset:
                        number(-item.offset)
                    glyph(item.code)
                    if item.kerning:
                        number(item.kerning)
                pen += item.advance * scale
            if cluster.marked or run.backwards:  # a cluster drawn from the right is a text object of its
                flush()                          # own: readers that rebuild lines by place put it in place
            if cluster.marked:
                stream.end_marked_content()
    flush()
    if line_text:
        stream.end_marked_content()
