"""Verification reads each finished file back and finds every fact, or names what is missing."""

from __future__ import annotations

import pytest

from dossier.document import Document
from dossier.formats import FORMATS
from dossier.templating import make_environment
from dossier.verify import check_output, contains, normalise
from helpers import render


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_bigscience_carries_every_fact_in_every_output(bigscience, bigscience_outputs, fmt):
    check = check_output(Document(bigscience), fmt, fmt, bigscience_outputs[fmt])
    assert check.missing == ()
    assert check.facts_checked == len(bigscience.facts) == 19


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_made_up_profile_passes_too(aurora, aurora_outputs, fmt):
    assert check_output(Document(aurora), fmt, fmt, aurora_outputs[fmt]).missing == ()


DROP_ONE_FACT = {
    # Themes that show every fact but one: the check must read the file, not the context.
    "factsheet.html.j2": "<html><body style='font-size: 6pt'>{% for f in facts if f.id != 'corpus_size' %}<p>{{ f.value }}</p>"
                         "{% endfor %}</body></html>",
    "report.md.j2": "# {{ name }}\n\n{% for f in facts if f.id != 'corpus_size' %}- {{ f.value|md_text }}\n"
                    "{% endfor %}",
}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_fact_removed_from_an_output_is_caught(tmp_path, bigscience, fmt):
    for name, text in DROP_ONE_FACT.items():
        (tmp_path / name).write_text(text)
    data = render(fmt, bigscience, make_environment(tmp_path))
    check = check_output(Document(bigscience), fmt, "x", data, with_metadata=False)
    assert check.missing == (("corpus_size", "1.6 terabytes"),)
    assert check.describe() == "x: missing 1 of 19 facts: corpus_size ('1.6 terabytes')"


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
