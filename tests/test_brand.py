"""A brand file (_brand.yml, the brand.yml format) is read, checked and applied to every output."""

from __future__ import annotations

import os
import shutil
import textwrap

import pytest

from dossier import batch
from dossier.brand import contrast, load_brand, stylesheet
from dossier.config import effective_settings
from dossier.document import Document
from dossier.errors import ContentError
from dossier.formats.pdf import factsheet
from dossier.templating import render_template
from helpers import AURORA, FIXTURES, pdf_source, render

BRAND = FIXTURES / "brand" / "_brand.yml"


@pytest.fixture(scope="module")
def brand():
    return load_brand(BRAND)


def write_brand(folder, text: str):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "_brand.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- Reading -------------------------------------------------------------------------------------


def test_the_fixture_brand_resolves_palette_names_fonts_and_logo(brand):
    assert brand.name == "Northwind Institute (fictional)"
    assert brand.colors == {"primary": "#0b6e6e", "secondary": "#b35c00", "foreground": "#18242b",
                            "background": "#ffffff"}
    assert (brand.base_family, brand.headings_family) == ("Noto Sans", "Fictional Display")
    assert (brand.headings_color, brand.link_color) == ("#0b6e6e", "#b35c00")
    assert [(font.family, font.weight, font.filename) for font in brand.fonts] == [
        ("Fictional Display", 700, "fonts/NotoSerifDisplay-Bold.ttf")]
    assert brand.logo.filename == "logo.svg" and brand.logo.media_type == "image/svg+xml"
    assert brand.logo.alt == "Northwind Institute logo (fictional)"
    assert brand.digest() == load_brand(BRAND).digest()


def test_a_wrong_value_names_file_line_and_key(tmp_path):
    path = write_brand(tmp_path, """\
        color:
          palette:
            teal: "#0b6e6e"
          primary: 12
        """)
    with pytest.raises(ContentError) as caught:
        load_brand(path)
    assert caught.value.message == f"{path}:4:12: color.primary: Input should be a valid string, got 12"


def test_a_colour_that_is_not_hex_is_refused(tmp_path):
    path = write_brand(tmp_path, "color:\n  primary: rebeccapurple\n")
    with pytest.raises(ContentError, match=r":2:12: color.primary: expected a colour as #rrggbb"):
        load_brand(path)


def test_a_pale_colour_is_a_warning_naming_it_and_where_it_is_used(tmp_path):
    path = write_brand(tmp_path, """\
        color:
          palette:
            pale-yellow: "#f7e98e"
          primary: pale-yellow
        """)
    warnings = []
    brand = load_brand(path, warnings.append)
    assert brand.primary == "#f7e98e"
    assert warnings == [f"{path}:4:12: color.primary: #f7e98e has a contrast of 1.2:1 on #ffffff (WCAG asks at "
                        "least 4.5:1 for text); it is used for section headings, key figures and the timeline's dates"]
    with pytest.raises(ContentError, match="an error under --strict"):
        load_brand(path, strict=True)


def test_a_brand_of_one_colour_leaves_the_rest_to_the_theme(tmp_path):
    warnings = []
    brand = load_brand(write_brand(tmp_path, 'color:\n  primary: "#2a5d3c"\n'), warnings.append)
    assert warnings == []
    assert (brand.colors, brand.base_family, brand.headings_family, brand.logo, brand.fonts) == (
        {"primary": "#2a5d3c"}, None, None, None, ())
    assert stylesheet(brand) == ":root { --primary: #2a5d3c; --secondary: #2a5d3c; }\n"


def test_a_family_neither_installed_nor_shipped_is_a_warning(tmp_path):
    warnings = []
    load_brand(write_brand(tmp_path, "typography:\n  base: No Such Family 2026\n"), warnings.append)
    assert warnings == [f"{tmp_path / '_brand.yml'}:2:9: typography.base: font family 'No Such Family 2026' is not "
                        "installed here and the brand ships no file for it: the theme's font is used instead "
                        "(install it, or add its files with source: file)"]


def test_contrast_is_wcag_2():
    assert round(contrast("#000000"), 1) == 21.0
    assert round(contrast("#ffffff"), 1) == 1.0
    assert round(contrast("#767676"), 2) == 4.54  # the classic lightest grey that passes AA on white


def test_a_font_to_download_is_a_warning_and_falls_back(tmp_path):
    path = write_brand(tmp_path, """\
        typography:
          fonts:
            - family: Inter
              source: google
          base: Inter
        """)
    warnings = []
    brand = load_brand(path, warnings.append)
    assert warnings == [f"{path}:3:7: typography.fonts[0]: 'Inter' would be downloaded from Google Fonts, and builds "
                        "do not touch the network: the theme's font is used instead, unless 'Inter' is installed on "
                        "this machine (or ship its files with source: file)"]
    # The family stays first in the stack, so an installed copy is used; else Noto Sans follows it.
    assert '--base: "Inter";' in stylesheet(brand)


@pytest.mark.parametrize("logo, problem", [
    ("../outside.svg", "is outside the brand file's folder"),
    ("/etc/hostname.svg", "is outside the brand file's folder"),
    ("https://example.org/logo.svg", "got the URL 'https://example.org/logo.svg': builds do not touch the network"),
    ("missing.svg", "cannot read 'missing.svg': No such file or directory"),
    ("logo.gif", "expected a logo file (.svg, .png, .jpg, .jpeg), got 'logo.gif'"),
    ("link.svg", "is outside the brand file's folder"),
])
def test_a_logo_is_read_only_from_inside_the_brand_folder(tmp_path, logo, problem):
    (tmp_path / "outside.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    folder = tmp_path / "project"
    path = write_brand(folder, f"logo: {logo}\n")
    os.symlink(tmp_path / "outside.svg", folder / "link.svg")
    with pytest.raises(ContentError) as caught:
        load_brand(path)
    assert caught.value.message.startswith(f"{path}:1:7: logo: ")
    assert problem in caught.value.message


def test_family_names_are_data_in_the_stylesheet(tmp_path):
    path = write_brand(tmp_path, """\
        typography:
          base: 'Evil"; } body { display: none } .x {'
        """)
    css = stylesheet(load_brand(path))
    assert '--base: "Evil\\"; } body { display: none } .x {";' in css


# -- Applied ---------------------------------------------------------------------------------------


def test_the_fact_sheet_shows_the_logo_embeds_the_font_and_uses_the_colours(brand, aurora, env):
    document = Document(aurora, env, brand=brand)
    context = factsheet.template_context(document, "a4")
    html = render_template(env, factsheet.TEMPLATE, {**context, "font_size": 9})
    assert '<img class="logo" src="data:image/svg+xml;base64,' in html
    assert 'alt="Northwind Institute logo (fictional)"' in html
    assert "--primary: #0b6e6e;" in context["brand_css"]
    data = render("pdf", aurora, env, brand=brand)
    source = pdf_source(data)
    assert b"Fictional-Display-Bold" in source  # embedded from the brand's file, a name no system font has
    assert b"/Alt (Northwind Institute logo \\(fictional\\))" in source or b"/Alt" in source


def test_a_logo_without_alt_text_gets_the_theme_words(tmp_path, aurora, env):
    shutil.copy(FIXTURES / "brand" / "logo.svg", tmp_path / "logo.svg")
    path = write_brand(tmp_path, "meta:\n  name: Acme (fictional)\nlogo: logo.svg\n")
    document = Document(aurora, env, brand=load_brand(path))
    assert document.logo_alt == "Logo of Acme (fictional)"


def test_a_build_finds_the_project_brand_and_every_output_carries_it(tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "brand", project)
    shutil.copy(AURORA, project / "aurora.yaml")
    settings, _project = effective_settings({"content": ["aurora.yaml"], "out": "out", "jobs": 1}, cwd=project)
    assert settings.brand == str(project / "_brand.yml")
    assert settings.origins["brand"] == "_brand.yml in the project folder"
    monkeypatch.chdir(project)
    results = batch.build(settings=settings)
    assert [result.status for result in results] == ["built"]
    folder = project / "out" / "aurora"
    assert sorted(path.name for path in folder.iterdir()) == [
        "aurora-factsheet.pdf", "aurora-logo.svg", "aurora-report.docx", "aurora.md"]
    assert (folder / "aurora-logo.svg").read_bytes() == (project / "logo.svg").read_bytes()
    markdown = (folder / "aurora.md").read_text(encoding="utf-8")
    assert 'logo:\n  path: "aurora-logo.svg"\n  alt: "Northwind Institute logo (fictional)"\n---' in markdown
    # A change to the brand rebuilds every format; nothing else changed, nothing else is rebuilt.
    again = batch.build(settings=settings)
    assert again[0].status == "skipped"
    (project / "_brand.yml").write_text((project / "_brand.yml").read_text().replace("#b35c00", "#9a4f00"))
    settings, _project = effective_settings({"content": ["aurora.yaml"], "out": "out", "jobs": 1}, cwd=project)
    assert batch.build(settings=settings)[0].status == "built"


def test_font_weights_by_name_and_range_reach_the_stylesheet(tmp_path):
    font = (FIXTURES / "brand" / "fonts" / "NotoSerifDisplay-Bold.ttf").read_bytes()  # a real font: it is opened
    for name in ("r.ttf", "b.ttf", "v.ttf"):
        (tmp_path / name).write_bytes(font)
    path = write_brand(tmp_path, """\
        typography:
          fonts:
            - family: Example
              source: file
              files:
                - {path: r.ttf, weight: normal}
                - {path: b.ttf, weight: bold}
                - {path: v.ttf, weight: 100..900}
        """)
    brand = load_brand(path, lambda _warning: None)
    assert [font.weight for font in brand.fonts] == [400, 700, "100 900"]
    css = stylesheet(brand)
    assert "font-weight: 700;" in css and "font-weight: 100 900;" in css
