"""The Word report: the Document's report on a reference document's styles, for editors to keep working on.

reference.py opens the reference document and supplies its styles, branding.py writes a
brand into them and its logo into the header, language.py sets its languages, script fonts
and direction, body.py writes the report's blocks and pictures, ooxml.py builds the raw
WordprocessingML python-docx has no API for, package.py sets properties and writes a
reproducible zip, reader.py reads it back.
"""

from __future__ import annotations

from .. import Rendered
from .reader import read_metadata, read_text


def prepare() -> None:
    """Import python-docx, lxml's HTML parser and Python-Markdown, which writing the report needs."""
    import docx  # noqa: F401
    import lxml.html  # noqa: F401
    import markdown  # noqa: F401


def render(document, options) -> Rendered:
    """Render the Word report to DOCX bytes: the same bytes for the same Document and reference."""
    import lxml.html

    from ...markup import to_html
    from ..pdf.pictures import report_pictures
    from .body import EMU_PER_TWIP, text_width, write_body
    from .branding import add_logo, brand_styles
    from .language import mark_right_to_left, set_language
    from .ooxml import number_drawings
    from .package import add_header_and_footer, save, set_properties
    from .reference import ensure_styles, open_reference, reference_document

    # Every image stays an image (body.py embeds the Document's own pictures and refuses any other),
    # so the conversion is the one the Markdown's read-back makes too: converted once, cached.
    body = to_html(document.report_body, pictures=True)
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    word = open_reference(reference_document(document.env, options), strict=options.strict)
    ensure_styles(word)
    brand = document.brand
    if brand is not None and options.reference_docx is None:  # a --reference-docx's styles win
        brand_styles(word, brand)  # before set_language: it picks script fonts to go with these
    rtl = document.direction == "rtl"
    set_language(word, document.profile.language, rtl)
    write_body(word, root, document.words["contents"], lambda: report_pictures(document), str(document.source))
    add_header_and_footer(word, document.profile.name, document.words["page_x_of_y"])
    if brand is not None and brand.logo is not None:
        add_logo(word, brand.logo, document.logo_alt, text_width(word) * EMU_PER_TWIP)
    number_drawings(word)
    if rtl:
        section = word.sections[0]
        mark_right_to_left(word.element.body)
        for part in (section.header._element, section.footer._element):
            mark_right_to_left(part, paragraphs=True)
    set_properties(word, document)
    return Rendered(save(word))


__all__ = ["prepare", "read_metadata", "read_text", "render"]
