"""The Word report: real styles, a styled facts table, hyperlinks, core properties from the content."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def report(bigscience_outputs):
    return docx.Document(io.BytesIO(bigscience_outputs["docx"]))


@pytest.fixture(scope="module")
def aurora_report(aurora_outputs):
    return docx.Document(io.BytesIO(aurora_outputs["docx"]))


def test_blocks_use_named_styles(report):
    styles = [(p.style.name, p.text) for p in report.paragraphs]
    assert styles[0] == ("Title", "BigScience")
    assert styles[1][0] == "Subtitle"
    headings = [text for style, text in styles if style == "Heading 1"]
    assert headings[:4] == ["At a glance", "Key figures", "Origins", "Mission and strategy"]
    assert headings[-1] == "About the author"
    bullets = [text for style, text in styles if style == "List Bullet"]
    assert bullets[0].startswith("BLOOM. Released November 17, 2022.")
    assert any(text.startswith("Stéphane Requena, GENCI representative.") for text in bullets)
    assert {style for style, _ in styles} <= {"Title", "Subtitle", "Heading 1", "Body Text", "List Bullet"}


def test_at_a_glance_is_a_styled_table(report):
    table = report.tables[0]
    assert table.style.name == "Light Grid Accent 1"
    assert [row.cells[0].text for row in table.rows][:3] == ["Item", "Founded", "Status"]


def test_no_direct_formatting_beyond_bold_italic_and_links(report):
    body = report.element.body
    for tag in ("rFonts", "sz", "color"):
        assert not body.findall(f".//{W}r/{W}rPr/{W}{tag}"), tag


def test_core_properties_come_from_the_content(report):
    props = report.core_properties
    assert props.title == "BigScience"
    assert props.author == "Nextomoro"
    assert props.subject.startswith("BigScience was an international AI research collaboration")
    assert props.keywords.startswith("BigScience, BLOOM")
    assert props.language == "en"
    assert props.created == props.modified == dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc)
    assert "python-docx" not in (props.comments + props.last_modified_by + props.author)


def test_inline_markdown_becomes_runs_and_a_clickable_hyperlink(aurora_report):
    body = aurora_report.element.body
    assert body.findall(f".//{W}r/{W}rPr/{W}b") and body.findall(f".//{W}r/{W}rPr/{W}i")
    links = body.findall(f".//{W}hyperlink")
    targets = {aurora_report.part.rels[link.get(
        "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")].target_ref for link in links}
    assert "https://example.org/aurora" in targets
    assert links[0].find(f"{W}r/{W}rPr/{W}rStyle").get(f"{W}val") == "Hyperlink"
