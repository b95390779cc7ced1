"""The timeline: dated milestones in the content, a band on the fact sheet, a picture and a table in the
report, and every milestone's date and label verified in every output."""

from __future__ import annotations

import io

import pytest

from dossier.content import load_profile
from dossier.document import Document
from dossier.errors import ContentError
from dossier.formats import RenderOptions, markdown
from dossier.formats.pdf import reader as pdf
from dossier.formats.pdf.pictures import report_pictures
from dossier.verify import check_output, normalise
from helpers import MINIMAL, render

MILESTONES = [("2021-05", "May 2021", "Workshop launched"), ("2022-03", "March 2022", "BLOOM training run began"),
              ("2022-05", "May 2022", "Principal research phase concluded"),
              ("2022-07", "July 2022", "BLOOM training completed"),
              ("2022-11-17", "November 17, 2022", "BLOOM released")]


def with_timeline(tmp_path, timeline: str, language: str = "en"):
    """The minimal fictional profile with a timeline block."""
    path = tmp_path / "demo.yaml"
    text = MINIMAL.replace("language: en", f"language: {language}")
    path.write_text(text + "  - title: History\n    blocks: [Founded long ago.]\n" + timeline, encoding="utf-8")
    return path


def test_bigscience_milestones_come_from_its_own_dates(bigscience):
    document = Document(bigscience)
    assert [(m["date"], m["when"], m["label"]) for m in document.timeline] == MILESTONES
    # The release is the release_date fact itself, as written there.
    assert bigscience.timeline[-1].date == "[[release_date]]"
    assert document.timeline[-1]["when"] == document.facts["release_date"]


def test_dates_are_written_in_the_profile_language_and_sorted(tmp_path, env):
    path = with_timeline(tmp_path, 'timeline:\n  - {date: "2024-03-02", label: Deuxième}\n'
                                   '  - {date: "2021", label: Première}\n  - {date: "2023-05", label: Entre}\n',
                         language="fr")
    document = Document(load_profile(path), env)
    assert [(m["when"], m["label"]) for m in document.timeline] == [
        ("2021", "Première"), ("mai 2023", "Entre"), ("2 mars 2024", "Deuxième")]
    # Verification names a milestone by its place in the content, not in date order.
    assert document.checked["timeline[0].label"] == "Deuxième" and document.checked["timeline[1].date"] == "2021"
    assert document.timeline_alt == "Chronologie. 2021: Première; mai 2023: Entre; 2 mars 2024: Deuxième"


@pytest.mark.parametrize("timeline, message", [
    ('  - {date: "2022-02-30", label: X}\n', "timeline[0].date: expected a real date, got '2022-02-30'"),
    ('  - {date: "May 2022", label: X}\n', "timeline[0].date: expected a date: YYYY, YYYY-MM or YYYY-MM-DD, or one fact reference"),
    ('  - {date: "[[nope]]", label: X}\n', "timeline[0].date: unknown fact 'nope' in '[[nope]]'"),
    ('  - {date: "[[city]]", label: X}\n', "timeline[0].date: fact 'city' is not a date the timeline can place: "
                                           "its value a string 'Oslo' is not YYYY-MM-DD"),
    ('  - {date: "2022", label: "a\\u202eb"}\n', "timeline[0].label: contains U+202E"),
    ('  - {date: "2022"}\n', "timeline[0]: missing required key 'label'"),
])
def test_a_bad_milestone_names_its_line_and_key(tmp_path, timeline, message):
    path = with_timeline(tmp_path, "timeline:\n" + timeline)
    with pytest.raises(ContentError) as caught:
        load_profile(path)
    assert message in caught.value.message
    assert caught.value.message.startswith(f"{path}:")


def test_a_fact_written_as_a_date_in_the_profile_language_places_its_milestone(tmp_path):
    path = with_timeline(tmp_path, 'timeline:\n  - {date: "[[launch]]", label: Start}\n')
    path.write_text(path.read_text().replace("facts:\n", "facts:\n  launch:\n    label: Launch\n"
                                                        "    value: 17 novembre 2022\n"), encoding="utf-8")
    path.write_text(path.read_text().replace("language: en", "language: fr"), encoding="utf-8")
    document = Document(load_profile(path))
    assert document.timeline == [{"date": "2022-11-17", "when": "17 novembre 2022", "label": "Start", "index": 0}]


def test_the_fact_sheet_reads_each_milestone_date_then_label_in_order(bigscience_outputs):
    text = normalise(pdf.read_text(bigscience_outputs["pdf"]))
    start = text.find("TIMELINE")
    band = text[start:text.find("FLAGSHIP OUTPUTS", start)]
    assert band == "TIMELINE " + " ".join(f"{when} {label}" for _date, when, label in MILESTONES) + " "


def test_the_markdown_has_the_table_and_the_picture_beside_it(bigscience, env, bigscience_outputs):
    text = bigscience_outputs["md"].decode()
    assert "\n## Timeline\n\n![Timeline. May 2021: Workshop launched; March 2022: BLOOM training run began;" in text
    assert "](bigscience-timeline.png)\n\n| Date | Milestone |\n| --- | --- |\n| May 2021 | Workshop launched |" in text
    document = Document(bigscience, env)
    files = markdown.render(document, RenderOptions()).companions
    assert list(files) == ["bigscience-timeline.png"]
    from PIL import Image

    picture = Image.open(io.BytesIO(files["bigscience-timeline.png"]))
    assert picture.format == "PNG" and round(picture.info["dpi"][0]) == 200
    assert 1000 < picture.width < 1300 and picture.height < picture.width / 4  # a band, 160 mm wide at most
    assert report_pictures(Document(bigscience, env)) == files  # reproducible, byte for byte


@pytest.mark.parametrize("fmt", ["pdf", "docx", "md"])
def test_a_milestone_missing_from_an_output_is_caught(tmp_path, bigscience, fmt):
    from dossier.templating import make_environment

    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "timeline.html.j2").write_text(
        "<section>{% for m in timeline if m.label != 'BLOOM released' %}<p>{{ m.when }} {{ m.label }}</p>"
        "{% endfor %}</section>")
    (theme / "report.md.j2").write_text(
        "# {{ name }}\n\n{% for f in facts %}- {{ f.value|md_text }}\n{% endfor %}"
        "{% for m in timeline if m.label != 'BLOOM released' %}- {{ m.when|md_text }} {{ m.label|md_text }}\n"
        "{% endfor %}")
    data = render(fmt, bigscience, make_environment(theme))
    check = check_output(Document(bigscience), fmt, "x", data, with_metadata=False)
    assert check.missing == (("timeline[4].label", "BLOOM released"),)


def test_the_picture_alt_text_does_not_stand_in_for_the_markdown_table(bigscience, bigscience_outputs):
    """A reader of the rendered Markdown sees the picture, not its alt text: the table must carry the milestones."""
    text = bigscience_outputs["md"].decode()
    edited = text.replace("| July 2022 | BLOOM training completed |\n", "")
    assert "July 2022: BLOOM training completed" in edited  # still in the picture's alt text
    check = check_output(Document(bigscience), "md", "x.md", edited.encode())
    assert ("timeline[3].label", "BLOOM training completed") in check.missing
