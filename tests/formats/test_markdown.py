"""The Markdown report: front matter, GitHub-flavoured body, content kept as data."""

from __future__ import annotations

import yaml

from dossier.formats import markdown


def test_front_matter(bigscience_outputs):
    front, body = markdown.split_front_matter(bigscience_outputs["md"].decode())
    meta = yaml.safe_load(front)
    assert meta["title"] == "BigScience"
    assert str(meta["date"]) == "2026-04-01"
    assert meta["attribution"] == "Nextomoro — AI Research Lab Intelligence"
    assert meta["author"] == "Nextomoro" and meta["lang"] == "en"
    assert body.lstrip().startswith("# BigScience\n")


def test_body_has_headings_lists_and_the_at_a_glance_table(bigscience_outputs):
    text = bigscience_outputs["md"].decode()
    assert "\n## At a glance\n\n| Item | Detail |\n| --- | --- |\n| **Founded** | Workshop launched May 2021" in text
    assert "\n- **BLOOM.** Released November 17, 2022. 176-billion-parameter multilingual" in text
    assert "\n- **Thomas Wolf**, Hugging Face Chief Science Officer. Senior coordinator" in text
    assert text.count("\n## ") == 13  # at a glance, key figures, timeline, nine sections, about the author


def test_inline_markdown_is_native(aurora_outputs):
    text = aurora_outputs["md"].decode()
    assert "[" in text and "](https://example.org/aurora)" in text
    assert "**" in text and "*" in text


def test_read_text_renders_the_markdown(bigscience_outputs):
    text = markdown.read_text(bigscience_outputs["md"])
    assert "**" not in text and "| --- |" not in text
    assert "Founded" in text
