"""The reference document: its styles, page setup, header and footer carry every Word report.

As with pandoc's --reference-doc: templates/reference.docx (made by
scripts/make_reference_docx.py), a reference.docx in a --templates folder, or
--reference-docx FILE. Styles the writer needs and a reference lacks come from the default
(the Figure style, for a paragraph holding only a picture, from FIGURE here).
A reference is data, not a carrier (sanitize.py): macros, embedded objects, altChunks, links to
files outside it and fields that fetch or run something are removed with one warning.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from pathlib import Path

from ... import files
from ...errors import EnvironmentProblem, TemplateError
from ...templating import default_theme_folder, template_folders

LOGGER = logging.getLogger("dossier.docx")

REFERENCE = "reference.docx"
MAX_REFERENCE_BYTES = 50 * 1024 * 1024  # the default is 30 kB; one with embedded fonts a few MB
HEADINGS = {"h1": "Title", "h2": "Heading 1", "h3": "Heading 2", "h4": "Heading 3", "h5": "Heading 4",
            "h6": "Heading 5"}
TOC_STYLES = {1: "toc 1", 2: "toc 2"}  # Word's internal names; its UI says "TOC 1"
TABLE_STYLE = "Report Table"
CELL_STYLE = "Table Text"
FIGURE_STYLE = "Figure"  # a paragraph holding only a picture (pandoc's name for it)
# Every style the writer names; a reference lacking one gets it from the default reference
# (the Figure style, which the default reference does not define, from FIGURE below).
STYLES_USED = (
    "Title", "Subtitle", *HEADINGS.values(), "Body Text", "Quote", "Hyperlink", "TOC Heading",
    *TOC_STYLES.values(), "Header", "Footer", TABLE_STYLE, CELL_STYLE, FIGURE_STYLE,
    *(f"{kind}{suffix}" for kind in ("List Bullet", "List Number", "List Continue") for suffix in ("", " 2", " 3")),
)
# Centred, kept with what follows it (the timeline's table), single-spaced: a taller line would
# not clip a picture, but "exactly" spacing would.
FIGURE = (f'<w:style {{}} w:type="paragraph" w:customStyle="1" w:styleId="{FIGURE_STYLE}">'
          f'<w:name w:val="{FIGURE_STYLE}"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/>'
          '<w:uiPriority w:val="99"/><w:qFormat/>'
          '<w:pPr><w:keepNext/><w:spacing w:before="120" w:after="120" w:line="240" w:lineRule="auto"/>'
          '<w:jc w:val="center"/></w:pPr></w:style>')


def read_reference(path: Path) -> tuple[str, bytes]:
    """A --reference-docx FILE as it travels to workers: (the path as given, its bytes), through the door."""
    try:
        return str(path), files.read(path, limit=MAX_REFERENCE_BYTES)
    except files.Refused as refused:
        if refused.reason in (files.MISSING, files.NOT_REGULAR):
            raise EnvironmentProblem(f"reference document {path} does not exist or is not a file") from None
        raise EnvironmentProblem(f"reference document {path}: {refused.describe('a Word document')}") from None


def reference_document(env, options) -> tuple[str, bytes]:
    """(name, bytes) of the reference document: --reference-docx if given (read where the build started),
    else the first reference.docx among the template folders, read from its own folder only."""
    if isinstance(options.reference_docx, tuple):
        return options.reference_docx
    if options.reference_docx is not None:  # a path, from a caller of the writer itself
        path = Path(options.reference_docx)
        try:
            return str(path), files.read(path, limit=MAX_REFERENCE_BYTES)
        except files.Refused as refused:
            raise TemplateError(f"reference document {path} cannot be read as a Word document: "
                                f"{refused.describe('a Word document')}") from None
    folders = template_folders(env)
    for folder in folders:
        try:
            return str(folder / REFERENCE), files.read(folder / REFERENCE, limit=MAX_REFERENCE_BYTES, inside=folder)
        except files.Refused as refused:
            if refused.reason == files.OUTSIDE:  # as for templates: a link out of the theme is refused
                raise TemplateError(f"reference document {folder / REFERENCE} is a link to a file outside the "
                                    f"theme folder {folder} (name the file with --reference-docx instead)") from None
            if refused.reason in (files.MISSING, files.NOT_REGULAR):
                continue
            raise TemplateError(f"reference document {folder / REFERENCE}: {refused.describe()}") from None
    raise TemplateError(f"reference document {REFERENCE!r} not found in {', '.join(map(str, folders))} "
                        "(make the default one with scripts/make_reference_docx.py)")


def open_reference(reference: tuple[str, bytes], strict: bool = False):
    """The reference document (name, bytes) as data (sanitize.py: only what a report is made from, with
    one warning, once, naming what was removed; an error under --strict), its body emptied: its styles,
    page setup, header and footer stay."""
    import io

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    from .sanitize import clean, message

    path, data = reference
    cleaned = clean(path, data)
    if cleaned.removed:
        if strict:
            raise TemplateError(message(path, cleaned) + " (an error under --strict)")
        key = (path, hashlib.sha256(data).digest())
        if key not in _warned:  # once per process: not once per report
            _warned.add(key)
            LOGGER.warning("%s", message(path, cleaned))
    try:
        word = docx.Document(io.BytesIO(cleaned.data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateError(f"reference document {path} cannot be read as a Word document: {exc}") from None
    body = word.element.body
    section = body.get_or_add_sectPr()
    for element in list(body):
        if element is not section:
            body.remove(element)
    return word


_warned: set[tuple[str, bytes]] = set()


def ensure_styles(word) -> None:
    """Add the styles the writer uses that the reference lacks, from the default reference."""
    present = {style.name for style in word.styles}  # `in styles` walks every style each time
    if FIGURE_STYLE not in present:
        _add_figure_style(word)
    missing = [name for name in STYLES_USED if name not in present | {FIGURE_STYLE}]
    if not missing:
        return
    folder = default_theme_folder()
    source = open_reference((str(folder / REFERENCE), files.read(folder / REFERENCE, limit=MAX_REFERENCE_BYTES,
                                                                 inside=folder)))
    for name in missing:
        _copy_style(word, source, source.styles[name].element)


def _add_figure_style(word) -> None:
    from docx.oxml.ns import nsdecls, qn
    from docx.oxml.parser import parse_xml

    styles = word.styles.element
    if styles.get_by_id(FIGURE_STYLE) is not None:
        return  # the id names another style: _style_ids says the writer cannot use it
    style = parse_xml(FIGURE.format(nsdecls("w")))
    if styles.get_by_id("BodyText") is None:
        style.remove(style.find(qn("w:next")))
    styles.append(style)


def _copy_style(word, source, style) -> None:
    """Copy a style with the styles it rests on, and the list definition it numbers with."""
    from copy import deepcopy

    from docx.oxml.ns import qn

    target = word.styles.element
    present = {s.get(qn("w:styleId")) for s in target.findall(qn("w:style"))}
    if style.get(qn("w:styleId")) in present:
        return
    copy = deepcopy(style)
    target.append(copy)
    for tag in ("w:basedOn", "w:link", "w:next"):
        reference = copy.find(qn(tag))
        if reference is None or reference.get(qn("w:val")) in present:
            continue
        original = source.styles.element.get_by_id(reference.get(qn("w:val")))
        if original is None:
            copy.remove(reference)
        else:
            _copy_style(word, source, original)
    num_id = copy.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
    if num_id is not None:
        num_id.set(qn("w:val"), str(_copy_list_definition(word, source, int(num_id.get(qn("w:val"))))))


def _copy_list_definition(word, source, num_id: int) -> int:
    from copy import deepcopy

    from docx.oxml.ns import qn

    source_numbering = source.part.numbering_part.element
    abstract_id = source_numbering.num_having_numId(num_id).abstractNumId.val
    abstract = source_numbering.xpath(f"w:abstractNum[@w:abstractNumId='{abstract_id}']")[0]
    numbering = numbering_root(word)
    existing = numbering.findall(qn("w:abstractNum"))
    new_id = max((int(a.get(qn("w:abstractNumId"))) for a in existing), default=-1) + 1
    copy = deepcopy(abstract)
    copy.set(qn("w:abstractNumId"), str(new_id))
    if existing:
        existing[-1].addnext(copy)
    else:  # abstract definitions come before every w:num
        numbering.insert(len(numbering.findall(qn("w:numPicBullet"))), copy)
    return numbering.add_num(new_id).numId


def numbering_root(word):
    """The numbering part's root, created if the reference has none (python-docx cannot)."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.oxml.ns import nsdecls
    from docx.oxml.parser import parse_xml
    from docx.parts.numbering import NumberingPart

    try:
        return word.part.part_related_by(RT.NUMBERING).element
    except KeyError:
        part = NumberingPart(PackURI("/word/numbering.xml"), CT.WML_NUMBERING,
                             parse_xml(f"<w:numbering {nsdecls('w')}/>"), word.part.package)
        word.part.relate_to(part, RT.NUMBERING)
        return part.element
