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


# ------------------------------------------------------------ links and images content may not hold


@pytest.mark.parametrize("prose, found", [
    ("[x](javascript:alert(1))", [("link", "javascript:alert(1)")]),
    ("[x](JavaScript:alert(1))", [("link", "JavaScript:alert(1)")]),
    ("[x](file:///etc/passwd) and [y](data:text/html,hi)", [("link", "file:///etc/passwd"),
                                                            ("link", "data:text/html,hi")]),
    ("[x]( javascript:alert(1) 'title')", [("link", "javascript:alert(1)")]),
    ("[x](//elsewhere.example/a) [y](relative/page) [z]()", [("link", "//elsewhere.example/a"),
                                                             ("link", "relative/page"), ("link", "")]),
    ("![x](https://tracker.example/p.gif)", [("image", "https://tracker.example/p.gif")]),
    ("[![x](https://tracker.example/p.gif)](https://example.org)", [("image", "https://tracker.example/p.gif")]),
    # CommonMark undoes backslash escapes in an address; the entity stays text (`inline` escapes its "&").
    ("[x](javascript\\:alert(1))", [("link", "javascript:alert(1)")]),
    ("[x](&#106;avascript:alert(1))", [("link", "&#106;avascript:alert(1)")]),
    # Where the two readers disagree, whichever sees a link decides.
    ("``[x](javascript:alert(1))`", [("link", "javascript:alert(1)")]),  # a code span only to Python-Markdown
    ("[a [b](javascript:alert(1)) c](https://example.org)", [("link", "javascript:alert(1)")]),
    ("``[a`]`](javascript:alert(1))", [("link", "javascript:alert(1)")]),
    ("[x](a`b)[y](javascript:alert(1))`c`", [("link", "a`b"), ("link", "javascript:alert(1)")]),
])
def test_forbidden_links_are_found(prose, found):
    assert markup.forbidden_links(prose) == found


@pytest.mark.parametrize("prose", [
    "[a link](https://example.org/x), [mail](mailto:team@example.org), [above](#origins), [x](HTTP://example.org)",
    "no links at all, [[params]] and [[params.adj]]",
    "[x][id] and [x] (not a link) and a ] (b) [c]",
    "`[x](javascript:alert(1))` is code to every reader",
    "\\[x](javascript:alert(1)) and \\![x](https://tracker.example/p.gif) are escaped",
    '[x](https://example.org "[y](javascript:alert(1)) is the title")',
    "[x](https://example.org)(javascript:alert(1))",
])
def test_allowed_links_and_text_that_only_looks_like_links(prose):
    assert markup.forbidden_links(prose) == []


def test_the_fact_sheet_and_report_still_drop_what_load_would_refuse():
    assert markup.inline_html("[x](javascript:alert(1)) ![t](https://tracker.example/p.gif)") == "<a>x</a> <span>t</span>"


TRICKY = ["``[x](javascript:alert(1))`", "[a [b](javascript:alert(2)) c](https://example.org)",
          "``[a`]`](javascript:alert(3))", "[x](a`b)[y](javascript:alert(4))`c`", "[x](javascript\\:alert(5))",
          "![t](https://tracker.example/p.gif)", "``![a`]`](https://tracker.example/q.gif)",
          "[x](<javascript:alert(6)>)", "*[x](javascript:alert(7))*", "[x]( javascript:alert(8) 'title')",
          "[ok](https://example.org) [also](#anchor) `[code](javascript:alert(9))`",
          '[x](https://example.org "[y](javascript:alert(10))")', "\\[x](javascript:alert(11))"]


@pytest.mark.parametrize("reader", ["commonmark", "gfm", "markdown"])
def test_what_passes_makes_no_other_link_in_pandoc(reader):
    """The .md is read by other Markdown readers: prose that passes makes no other link or image there."""
    import re
    import shutil
    import subprocess

    if not shutil.which("pandoc"):
        pytest.skip("pandoc is not installed")
    passing = [prose for prose in TRICKY if not markup.forbidden_links(prose)]
    assert len(passing) == 3  # the others are refused
    for prose in passing:
        html = subprocess.run(["pandoc", "-f", reader, "-t", "html"], input=markup.inline(prose),
                              capture_output=True, text=True, check=True).stdout
        addresses = re.findall(r'(?:href|src)="([^"]*)"', html)
        assert "<img" not in html and all(markup.allowed_address(a) for a in addresses), (prose, html)


@pytest.mark.parametrize("prose", [
    "[a [b] c](https://example.org) and [d][e] [f]", "[[x]] ]] [[ [y](https://example.org/(z)) ![i](j 'k')",
    "[a](https://example.org \"t\" [b](#c)", "[a]('t' [b](https://example.org/\"x\")", "[a](b(c)d) [e](f\"g)h\")",
])
def test_link_search_kept_linear_gives_python_markdowns_own_result(prose):
    import markdown

    stock = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    stock.preprocessors.deregister("html_block")
    stock.inlinePatterns.deregister("html")
    stock.treeprocessors.register(markup._safe_links_processor(markdown, stock), "dossier_safe_links", 5)
    assert markup.to_html(markup.inline(prose)) == stock.convert(markup.inline(prose))


@pytest.mark.parametrize("prose, found", [
    ("[" * 10_000, []), ("![" * 10_000, []), ("[" * 5_000 + "](x)" * 2_500, [("link", "x")]),
])
def test_runs_of_brackets_neither_hang_nor_hide_links(prose, found):
    # Python-Markdown looked for the closing bracket from every "[" to the end: a minute for these.
    assert markup.to_html(markup.inline(prose)).startswith("<p>")
    assert markup.forbidden_links(prose) == found
