"""The Markdown dialect: inline formatting works, raw HTML and block syntax in content do not."""

from __future__ import annotations

import pytest

from dossier import markup


@pytest.mark.parametrize("prose, html", [
    ("*em* and **strong**", "<em>em</em> and <strong>strong</strong>"),
    ("a [link](https://example.org/x)", 'a <a href="https://example.org/x">link</a>'),
    ("<b>bold?</b> <script>alert(1)</script>", "&lt;b&gt;bold?&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;"),
    ("{{ 6*7 }} {% include 'x' %}", "{{ 6*7 }} {% include 'x' %}"),
    ("&amp; stays literal", "&amp;amp; stays literal"),
    ("[x](javascript:alert(1))", "<a>x</a>"),
    ("![alt](file:///etc/passwd)", "<span>alt</span>"),
])
def test_inline_html(prose, html):
    assert markup.inline_html(prose) == html


@pytest.mark.parametrize("prose", ["# not a heading", "- not a list", "+ nor this", "1. not numbered",
                                   "2) nor this", "> not a quote", "```not code", "=== not a rule",
                                   "[x]: https://example.org not a link definition"])
def test_block_syntax_at_the_start_of_prose_stays_text(prose):
    html = markup.to_html(markup.inline(prose))
    assert html.startswith("<p>") and html.count("<p>") == 1
    assert markup.plain_text(prose) == prose


def test_escape_text_renders_as_the_same_text():
    text = "a*b_c [d] `e` <f> \\ # g"
    assert markup.html_to_text(markup.to_html(markup.escape_text(text))).strip() == text


def test_inline_keeps_prose_one_paragraph():
    assert markup.inline("line one\n\n# two") == "line one # two"


def test_table_cell_pipes_are_escaped():
    html = markup.to_html("| a | b |\n| --- | --- |\n| " + markup.cell("x | y") + " | z |\n")
    assert "<td>x | y</td>" in html


def test_plain_text():
    assert markup.plain_text("**Bold** and [a link](https://example.org)") == "Bold and a link"


def test_a_value_inserted_into_prose_is_escaped_once():
    prose = "Share: " + markup.escape_specials("<5% of *all*") + " and *real* emphasis"
    assert markup.inline_html(prose) == "Share: &lt;5% of *all* and <em>real</em> emphasis"
