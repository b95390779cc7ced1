"""A brand in the Word report: its colours and families written into the styles (so editors can restyle),
its logo at the start of the header with its alt text; a --reference-docx's own styles win."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import docx
import pytest
from docx.shared import RGBColor
from lxml import etree
from PIL import Image

from dossier.brand import Brand, Logo
from dossier.content import load_profile
from dossier.document import Document
from dossier.formats import RenderOptions
from dossier.formats import docx as writer
from dossier.formats.docx.reference import TABLE_STYLE
from dossier.verify import check_output
from helpers import FIXTURES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#0b6e6e"/></svg>'
BRAND = Brand(source="test", name="Fictional Lab", colors={"primary": "#0b6e6e", "secondary": "#b35c00"},
              headings_family="DejaVu Serif", base_family="DejaVu Sans",
              logo=Logo("logo.svg", SVG, "image/svg+xml", "Fictional Lab logo"))
LOGO_HEIGHT = 360_000  # EMU: 1 cm


def render(profile, env, brand=BRAND, **options) -> bytes:
    return writer.render(Document(profile, env, brand=brand), RenderOptions(**options)).data


@pytest.fixture(scope="module")
def branded(aurora, env) -> bytes:
    return render(aurora, env)


@pytest.fixture(scope="module")
def report(branded):
    return docx.Document(io.BytesIO(branded))


def style_xml(report, name: str):
    return report.styles[name].element


def fonts(element) -> tuple[str | None, str | None]:
    r_fonts = element.find(f"{W}rPr/{W}rFonts")
    return r_fonts.get(f"{W}ascii"), r_fonts.get(f"{W}hAnsi")


def colour(element) -> str | None:
    found = element.find(f"{W}rPr/{W}color")
    return found.get(f"{W}val") if found is not None else None


def header_drawings(data: bytes) -> list:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        headers = [etree.fromstring(package.read(n)) for n in sorted(package.namelist())
                   if re.fullmatch(r"word/header\d*\.xml", n)]
    return [inline for header in headers for inline in header.iter(f"{WP}inline")]


# --- styles ------------------------------------------------------------------------------


def test_the_title_and_headings_take_the_brands_headings_family_and_primary_colour(report):
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = style_xml(report, name)
        assert fonts(style) == ("DejaVu Serif", "DejaVu Serif"), name
        assert colour(style) == "0B6E6E", name
        r_fonts = style.find(f"{W}rPr/{W}rFonts")
        assert r_fonts.get(f"{W}asciiTheme") is None and r_fonts.get(f"{W}hAnsiTheme") is None
    # Word applies a heading's linked character style to part of a paragraph: it matches.
    assert colour(style_xml(report, "Heading 1 Char")) == "0B6E6E"


def test_the_body_text_takes_the_base_family(report):
    normal = style_xml(report, "Normal")
    assert fonts(normal) == ("DejaVu Sans", "DejaVu Sans")
    defaults = report.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(f"{W}ascii") == "DejaVu Sans"
    for name in ("Subtitle", "Header", "Footer", "toc 1"):  # the theme names a family there: the brand's now
        assert fonts(style_xml(report, name)) == ("DejaVu Sans", "DejaVu Sans"), name
    assert colour(normal) is None  # the brand gives no foreground: the theme's (automatic) stays


def test_no_run_carries_the_brand_directly(branded):
    body = docx.Document(io.BytesIO(branded)).element.body
    for properties in body.iter(f"{W}rPr"):
        assert {child.tag for child in properties} <= {f"{W}rStyle", f"{W}b", f"{W}bCs", f"{W}i", f"{W}iCs"}


def test_links_take_the_primary_colour(report):
    assert report.styles["Hyperlink"].font.color.rgb == RGBColor(0x0B, 0x6E, 0x6E)


def test_the_table_header_row_is_shaded_in_the_primary_colour_with_white_bold_text(report, branded):
    region = style_xml(report, TABLE_STYLE).find(f"{W}tblStylePr[@{W}type='firstRow']")
    assert region.find(f"{W}tcPr/{W}shd").get(f"{W}fill") == "0B6E6E"
    assert region.find(f"{W}rPr/{W}color").get(f"{W}val") == "FFFFFF"
    assert region.find(f"{W}rPr/{W}b") is not None
    assert region.find(f"{W}trPr/{W}tblHeader") is not None
    # Our reader sees white on the primary colour (and so does verification).
    assert "Item" in writer.read_text(branded).split("\n")


def test_a_pale_primary_shades_the_header_row_lightly_with_dark_text(aurora, env):
    pale = dataclasses.replace(BRAND, colors={"primary": "#ffd54f"}, logo=None)
    report = docx.Document(io.BytesIO(render(aurora, env, pale)))
    region = style_xml(report, TABLE_STYLE).find(f"{W}tblStylePr[@{W}type='firstRow']")
    fill = region.find(f"{W}tcPr/{W}shd").get(f"{W}fill")
    assert fill != "FFD54F" and fill.startswith("FF")  # a tint of it
    assert region.find(f"{W}rPr/{W}color").get(f"{W}val") == "000000"


def test_headings_link_and_foreground_colours_win_over_primary(aurora, env):
    brand = dataclasses.replace(BRAND, colors={**BRAND.colors, "foreground": "#222233"}, headings_color="#b35c00",
                                link_color="#123456", logo=None)
    report = docx.Document(io.BytesIO(render(aurora, env, brand)))
    assert colour(style_xml(report, "Title")) == colour(style_xml(report, "Heading 2")) == "B35C00"
    assert report.styles["Hyperlink"].font.color.rgb == RGBColor(0x12, 0x34, 0x56)
    # The text colour is the document default's: the table style's white header text still wins over it.
    defaults = report.styles.element.find(f"{W}docDefaults/{W}rPrDefault")
    assert colour(defaults) == "222233" and colour(style_xml(report, "Normal")) is None


def test_a_brand_with_only_a_colour_leaves_the_themes_families(aurora, env):
    brand = Brand(source="test", colors={"primary": "#0b6e6e"})
    report = docx.Document(io.BytesIO(render(aurora, env, brand)))
    assert fonts(style_xml(report, "Heading 1")) == ("Noto Sans", "Noto Sans")
    defaults = report.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(f"{W}ascii") == "Noto Serif"
    assert colour(style_xml(report, "Heading 1")) == "0B6E6E"
    assert not header_drawings(render(aurora, env, brand))  # no logo, no picture


def test_script_fonts_stay_with_the_language(env):
    arabic = load_profile(FIXTURES / "languages" / "ar.yaml")
    report = docx.Document(io.BytesIO(render(arabic, env)))
    heading = style_xml(report, "Heading 1").find(f"{W}rPr/{W}rFonts")
    assert heading.get(f"{W}ascii") == "DejaVu Serif"
    assert heading.get(f"{W}cs") == "Noto Naskh Arabic"  # serif headings: the serif Arabic


# --- a reference document of the user's own ----------------------------------------------


@pytest.fixture(scope="module")
def own_reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("reference") / "own.docx"
    document = docx.Document()
    document.styles["Heading 1"].font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
    document.styles["Heading 1"].font.name = "Liberation Serif"
    document.save(path)
    return path


def test_a_reference_docx_keeps_its_styles_and_still_gets_the_logo(aurora, env, own_reference):
    data = render(aurora, env, reference_docx=own_reference)
    plain = docx.Document(io.BytesIO(render(aurora, env, brand=None, reference_docx=own_reference)))
    report = docx.Document(io.BytesIO(data))
    assert report.styles["Heading 1"].font.color.rgb == RGBColor(0xFF, 0x00, 0x00)
    assert report.styles["Heading 1"].font.name == "Liberation Serif"
    assert etree.tostring(report.styles.element) == etree.tostring(plain.styles.element)
    [logo] = header_drawings(data)
    assert logo.find(f"{WP}docPr").get("descr") == "Fictional Lab logo"


# --- the logo ----------------------------------------------------------------------------


def test_the_logo_opens_the_header_before_its_text(branded):
    report = docx.Document(io.BytesIO(branded))
    paragraph = report.sections[0].header.paragraphs[0]
    runs = paragraph._p.findall(f"{W}r")
    assert runs[0].find(f"{W}drawing/{WP}inline") is not None
    assert paragraph.text.strip() == "Aurora Lab"
    [logo] = header_drawings(branded)
    assert logo.find(f"{WP}docPr").get("descr") == "Fictional Lab logo"
    assert logo.find(f"{WP}docPr").get("title") in (None, "", "Fictional Lab logo")
    assert int(logo.find(f"{WP}extent").get("cy")) == LOGO_HEIGHT
    assert int(logo.find(f"{WP}extent").get("cx")) == pytest.approx(LOGO_HEIGHT * 2, rel=0.15)  # 40 × 20
    # The header's text is read back as before (the picture adds none).
    assert "Aurora Lab" in writer.read_text(branded).split("\n")


def test_an_svg_logo_is_embedded_as_a_png_at_200_dpi(branded):
    with zipfile.ZipFile(io.BytesIO(branded)) as package:
        media = [package.read(n) for n in package.namelist() if n.startswith("word/media/")]
        types = package.read("[Content_Types].xml")
    assert len(media) == 1 and media[0].startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(media[0])).info["dpi"] == pytest.approx((200, 200), abs=0.01)
    assert b"svg" not in types


def test_a_png_logo_is_embedded_as_it_is(aurora, env):
    out = io.BytesIO()
    Image.new("RGB", (300, 100), (11, 110, 110)).save(out, format="PNG", dpi=(300, 300))
    brand = dataclasses.replace(BRAND, logo=Logo("logo.png", out.getvalue(), "image/png", "A logo"))
    data = render(aurora, env, brand)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert [package.read(n) for n in package.namelist() if n.startswith("word/media/")] == [out.getvalue()]
    [logo] = header_drawings(data)
    assert int(logo.find(f"{WP}extent").get("cy")) == LOGO_HEIGHT
    assert int(logo.find(f"{WP}extent").get("cx")) == LOGO_HEIGHT * 3


def test_a_logo_without_alt_text_is_described_in_the_documents_words(aurora, env):
    brand = dataclasses.replace(BRAND, logo=dataclasses.replace(BRAND.logo, alt=None))
    document = Document(aurora, env, brand=brand)
    [logo] = header_drawings(writer.render(document, RenderOptions()).data)
    assert logo.find(f"{WP}docPr").get("descr") == document.logo_alt != ""


def test_a_right_to_left_header_starts_with_the_logo_on_the_right(env):
    arabic = load_profile(FIXTURES / "languages" / "ar.yaml")
    data = render(arabic, env)
    report = docx.Document(io.BytesIO(data))
    paragraph = report.sections[0].header.paragraphs[0]._p
    assert paragraph.find(f"{W}pPr/{W}bidi") is not None  # the paragraph runs right to left: its start is right
    runs = paragraph.findall(f"{W}r")
    assert runs[0].find(f"{W}drawing") is not None
    assert all(run.find(f"{W}rPr/{W}rtl") is not None for run in runs[1:] if re.search(
        "[\u0600-\u06ff]", "".join(t.text or "" for t in run.iter(f"{W}t"))))


def test_drawing_ids_are_unique_across_the_body_and_header(bigscience, env):
    document = Document(bigscience, env, brand=BRAND)
    data = writer.render(document, RenderOptions()).data
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = [package.read(n) for n in package.namelist() if re.fullmatch(r"word/(document|header\d*)\.xml", n)]
    ids = [m.group(1) for part in parts for m in re.finditer(rb"<wp:docPr id=\"(\d+)\"", part)]
    described = re.findall(rb"<wp:docPr [^>]*descr=\"([^\"]+)\"", b"".join(parts))
    assert len(ids) == len(set(ids)) == len(described) >= 1  # every picture described


# --- whole reports -------------------------------------------------------------------------


def test_a_branded_report_passes_verification_and_is_reproducible(aurora, env, branded):
    document = Document(aurora, env, brand=BRAND)
    check = check_output(document, "docx", "aurora-report.docx", branded)
    assert check.ok, check.describe()
    assert render(aurora, env) == branded


def test_a_branded_report_with_its_timeline_is_reproducible(bigscience, env):
    first = render(bigscience, env)
    assert render(bigscience, env) == first
    check = check_output(Document(bigscience, env, brand=BRAND), "docx", "bigscience-report.docx", first)
    assert check.ok, check.describe()


def test_no_brand_no_change(aurora, env, aurora_outputs):
    assert render(aurora, env, brand=None) == aurora_outputs["docx"]
