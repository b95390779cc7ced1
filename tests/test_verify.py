"""Verification reads each finished file back and finds every fact, or names what is missing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.document import Document
from dossier.formats import FORMATS
from dossier.templating import make_environment
from dossier.verify import OutputCheck, check_output, contains, normalise, normalise_with_origins, occurrences
from helpers import render


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_bigscience_carries_every_fact_in_every_output(bigscience, bigscience_outputs, fmt):
    check = check_output(Document(bigscience), fmt, fmt, bigscience_outputs[fmt])
    assert check.missing == ()
    # Each fact, and each milestone of the timeline: its date and its label.
    assert check.facts_checked == len(bigscience.facts) + 2 * len(bigscience.timeline) == 19 + 2 * 5


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_made_up_profile_passes_too(aurora, aurora_outputs, fmt):
    assert check_output(Document(aurora), fmt, fmt, aurora_outputs[fmt]).missing == ()


DROP_ONE_FACT = {
    # Themes that show every fact but one: the check must read the file, not the context.
    "factsheet.html.j2": "<html><body style='font-size: 6pt'>{% for f in facts if f.id != 'corpus_size' %}<p>{{ f.value }}</p>"
                         "{% endfor %}{% for m in timeline %}<p>{{ m.when }}: {{ m.label }}</p>{% endfor %}</body></html>",
    "report.md.j2": "# {{ name }}\n\n{% for f in facts if f.id != 'corpus_size' %}- {{ f.value|md_text }}\n"
                    "{% endfor %}{% for m in timeline %}- {{ m.when|md_text }}: {{ m.label|md_text }}\n{% endfor %}",
}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_fact_removed_from_an_output_is_caught(tmp_path, bigscience, fmt):
    for name, text in DROP_ONE_FACT.items():
        (tmp_path / name).write_text(text)
    data = render(fmt, bigscience, make_environment(tmp_path))
    check = check_output(Document(bigscience), fmt, "x", data, with_metadata=False)
    assert check.missing == (("corpus_size", "1.6 terabytes"),)
    assert check.describe() == "x: missing 1 of 29 facts: corpus_size ('1.6 terabytes')"


def test_a_fact_edited_out_of_a_built_docx_table_is_caught(bigscience, bigscience_outputs):
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(bigscience_outputs["docx"]))
    edited = io.BytesIO()
    with zipfile.ZipFile(edited, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace("Time-limited research workshop".encode(), b"Research workshop")
            target.writestr(item, data)
    check = check_output(Document(bigscience), "docx", "x", edited.getvalue())
    assert [fact_id for fact_id, _ in check.missing] == ["status"]


def test_normalise():
    assert normalise("176\ufffebillion") == "176-billion"  # pdfium: hard hyphen at a line end
    assert normalise("multi\u00adlingual") == "multilingual"
    assert normalise("hyphen\u00ad\r\nation") == "hyphenation"
    assert normalise("“quoted” – ‘x’\r\n  next") == "\"quoted\" - 'x' next"
    assert normalise("ﬁne\u00a0print") == "fine print"
    assert normalise("矢\x05ꨲ") == "矢ꨲ"  # pdfium's artefact at a font change


def test_contains_matches_whole_values_only():
    assert contains("in 46 languages", "46")
    assert not contains("in 2046", "46")
    assert not contains("46th", "46")
    assert contains("cost $4 million.", "$4 million")


def test_fact_values_are_resolved(bigscience):
    values = Document(bigscience).facts
    assert values["flagship_outputs"].startswith("BLOOM (176-billion-parameter multilingual language model)")
    assert "[[" not in "".join(values.values())


def test_a_line_break_in_an_output_stands_for_a_space_or_for_nothing():
    text = normalise("costs approximately\r\n$4 million; the 𮨨\r\n$}þ mark; a long/\r\nslash", keep_lines=True)
    assert contains(text, "approximately $4 million", wraps=True)
    assert contains(text, "𮨨$}þ", wraps=True)
    assert contains(text, "long/slash", wraps=True)
    assert not contains(text, "approximately $5 million", wraps=True)
    assert not contains(text, "approximately $4 million")  # a paragraph break is not a wrap


def test_a_line_break_never_joins_two_letters_or_digits():
    text = normalise("Total: 4\n6 items. Corpus 1.6 tera\nbytes; 中文\n字", keep_lines=True)
    assert not contains(text, "46", wraps=True)
    assert not contains(text, "1.6 terabytes", wraps=True)
    assert contains(text, "中文字", wraps=True)


def test_a_real_hyphen_at_a_line_end_is_kept():
    text = normalise("alpha\u2010beta\u2010\r\ngamma", keep_lines=True)
    assert contains(text, normalise("alpha\u2010beta\u2010gamma"), wraps=True)


# --- places: where a fact is in an output's text, to look at how it is drawn ---------------------------

PIECES = st.one_of(
    st.characters(max_codepoint=0x2FFF, blacklist_categories=("Cs",)),
    st.sampled_from(["\ufffe", "\u00ad", "\u00ad\r\n", "\r\n", "\x05", "\u200b", "\u200f", "ﬁ", "\u00a0", "“", "’",
                     "–", "e\u0301", "\u2028", "\x85", "\t", "  ", "\u1100\u1161", "\u3000", "½", "Å"]))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_normalise_with_origins_is_normalise_keeping_positions(text):
    normal, origins = normalise_with_origins(text)
    assert normal == normalise(text, keep_lines=True)
    assert len(origins) == len(normal)
    assert [origin for char, origin in zip(normal, origins) if char in " \n"] == [-1] * (normal.count(" ") +
                                                                                           normal.count("\n"))
    kept = [origin for origin in origins if origin != -1]
    assert kept == sorted(kept) and all(0 <= origin < len(text) for origin in kept)


def test_each_character_points_at_the_one_it_comes_from():
    text = "Total:\r\n176\u00a0bil\u00adlion “ﬁne”\x05 e\u0301t\u00e9"
    normal, origins = normalise_with_origins(text)
    assert normal == 'Total:\n176 billion "fine" ét\u00e9'
    assert [text[origin] if origin >= 0 else None for origin in origins] == [
        "T", "o", "t", "a", "l", ":", None, "1", "7", "6", None, "b", "i", "l", "l", "i", "o", "n", None,
        "“", "ﬁ", "ﬁ", "n", "e", "”", None, "e", "t", "\u00e9"]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(text=st.lists(st.sampled_from(["4", "6", " ", "\n", "-", "a", "中", "文", "/", "."]), max_size=14).map("".join),
       value=st.lists(st.sampled_from(["4", "6", " ", "-", "a", "中", "文", "/"]), min_size=1, max_size=5).map("".join))
def test_occurrences_are_where_contains_finds_a_value(text, value):
    value = value.strip() or "4"
    for wraps in (False, True):
        found = occurrences(text, value, wraps)
        assert bool(found) == contains(text, value, wraps)
        for start, end in found:
            assert contains(text[start:end], value, wraps)


def test_occurrences_include_wrapped_ones():
    text = normalise("in 46 languages; 4\r\n6 is not; 46\r\nlanguages and 46 lan-\r\nguages", keep_lines=True)
    assert [text[start:end] for start, end in occurrences(text, "46 languages", wraps=True)] == [
        "46 languages", "46\nlanguages"]
    assert [text[start:end] for start, end in occurrences(text, "46 languages")] == ["46 languages"]


def test_a_check_lists_what_a_reader_sees_wrong_after_the_facts():
    check = OutputCheck("docx", "x.docx", 3, (("budget", "€3.5 million"),), (("title", "A", "B"),),
                        ("hidden text in 1 run: '€3.5 million' (marked hidden)",), hidden=("budget",))
    assert not check.ok
    assert check.describe() == ("x.docx: missing 1 of 3 facts: budget ('€3.5 million') [only in hidden text]; "
                                "metadata title: expected 'A', found 'B'; "
                                "hidden text in 1 run: '€3.5 million' (marked hidden)")
    assert not OutputCheck("pdf", "x.pdf", 3, (), (), ("2 pages; a fact sheet is one page",)).ok
    assert OutputCheck("pdf", "x.pdf", 3, ()).ok


def test_every_missing_fact_hidden_is_said_once():
    check = OutputCheck("docx", "x.docx", 2, (("a", "1"), ("b", "2")), hidden=("a", "b"))
    assert check.describe() == "x.docx: missing 2 of 2 facts, each only in hidden text: a ('1'); b ('2')"



def test_thai_wraps_between_words_and_touches_its_neighbours():
    """Thai is written without spaces between words: a line may break between two of its words, and a
    value may follow a word with no space. A changed letter is still a different value."""
    value = "ระบบเซนเซอร์ม่านหมอก-9"
    assert contains("เครือข่าย ระบบเซนเซอร์ม่าน\nหมอก-9 ทำงาน", value, wraps=True)
    assert contains("ดูแลระบบเซนเซอร์ม่านหมอก-9", value)
    assert not contains("ดูแลระบบเซนเซอร์ม่านหมอก-8", value, wraps=True)
    assert not contains("ระบบเซนเซอร์ม่าน\n\nหมอก-9", value, wraps=True)  # a paragraph break is not a wrap
    assert not contains("2046", "46", wraps=True) and not contains("Sylva-9x", "Sylva-9", wraps=True)


@pytest.mark.parametrize("text, value", [
    ("대한민국 서울특별시", "서울"),  # Korean sets words apart with spaces
    ("가나다라", "나다"),
    ("ปี ๒๐๔๖ แล้ว", "๔๖"),  # Thai digits are digits: '46' is not in '2046' in any script
    ("二千四十六", "四十六"),
])
def test_the_thai_rule_does_not_reach_other_scripts_or_digits(text, value):
    assert not contains(text, value) and not contains(text, value, wraps=True)


# A long text is searched through a word index (verify._word_starts): it must find exactly what the
# plain search finds, in every script, at every boundary.
_PIECES = ["46", "2046", "46th", "units", "of", "kind", "12", "-", ",", " ", " ", "\n", "Zoë", "ไทย", "中国",
           "€3.5", "million", "_", "٤٦", "שלום", "(", ")", "x46", "46x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=60),
       st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4))
def test_the_word_index_finds_what_the_plain_search_finds(pieces, value_pieces):
    import dossier.verify as verify

    text, value = "".join(pieces), "".join(value_pieces).strip()
    plain = list(verify._as_written(text, value))
    original = verify.INDEXED_FROM
    try:
        verify.INDEXED_FROM = 0  # every text through the index
        indexed = list(verify._as_written(text, value))
    finally:
        verify.INDEXED_FROM = original
    assert indexed == plain


def test_verification_is_linear_in_the_number_of_facts():
    """Counted, not timed: the number of candidate places looked at grows with the text, not with facts × text."""
    import dossier.verify as verify

    text = " ".join(f"item {i} has {i * 7919 % 100000} units of kind {i}." for i in range(8000))
    assert len(text) > verify.INDEXED_FROM
    index = verify._word_starts(text)
    values = [f"{i * 7919 % 100000} units of kind {i}" for i in range(8000)]
    assert all(verify.contains(text, value) for value in values)
    # Each value is tried only where its first word starts: a few places, not the whole text.
    assert sum(len(index.get(verify._leading_word(value), ())) for value in values) < 4 * len(values)
