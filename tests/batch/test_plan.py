"""Planning: each output is keyed by what it depends on, so a change rebuilds only the outputs it touches."""

from __future__ import annotations

import shutil

import docx

from dossier import batch
from dossier.templating import default_theme_folder
from helpers import AURORA


def built_formats(results) -> list[str]:
    [result] = results
    return [check.format for check in result.checks] if result.status == "built" else []


def test_a_new_paper_rebuilds_the_fact_sheet_alone(tmp_path):
    out = tmp_path / "out"
    assert built_formats(batch.build([AURORA], out=out, jobs=1)) == ["pdf", "docx", "md"]
    report = out / "aurora" / "aurora-report.docx"
    before = report.stat().st_mtime_ns, report.stat().st_ino
    [result] = batch.build([AURORA], out=out, jobs=1, paper="letter")
    assert [check.format for check in result.checks] == ["pdf"]
    assert (report.stat().st_mtime_ns, report.stat().st_ino) == before  # not even rewritten
    assert sorted(result.outputs) == ["docx", "md", "pdf"]  # every output of the profile is named
    assert batch.build([AURORA], out=out, jobs=1, paper="letter")[0].status == "skipped"


def test_theme_files_rebuild_the_formats_that_read_them(tmp_path):
    out, theme = tmp_path / "out", tmp_path / "theme"
    theme.mkdir()
    options = dict(out=out, jobs=1, formats=("docx", "md"), templates=str(theme))
    assert built_formats(batch.build([AURORA], **options)) == ["docx", "md"]
    shutil.copy(default_theme_folder() / "reference.docx", theme / "reference.docx")
    assert built_formats(batch.build([AURORA], **options)) == []  # the same bytes as the default's
    docx.Document().save(theme / "reference.docx")  # python-docx's own template: other styles
    assert built_formats(batch.build([AURORA], **options)) == ["docx"]
    (theme / "factsheet.html.j2").write_text("<p>{{ name }}</p>")  # the fact sheet's alone
    assert built_formats(batch.build([AURORA], **options)) == []
    (theme / "factsheet.css").write_text("/* the report's timeline picture is drawn with it too */")
    assert built_formats(batch.build([AURORA], **options)) == ["docx", "md"]
    (theme / "macros.j2").write_text("{# any template may include it #}")
    assert built_formats(batch.build([AURORA], **options)) == ["docx", "md"]


def test_strict_and_the_content_rebuild_every_format(tmp_path, aurora_copy):
    out = tmp_path / "out"
    options = dict(out=out, jobs=1, formats=("docx", "md"))
    batch.build([aurora_copy], **options)
    assert built_formats(batch.build([aurora_copy], strict=True, **options)) == ["docx", "md"]
    aurora_copy.write_text(aurora_copy.read_text().replace("Aurora Lab", "Aurora Labs"))
    assert built_formats(batch.build([aurora_copy], strict=True, **options)) == ["docx", "md"]


def test_options_that_shape_no_output_rebuild_nothing(tmp_path):
    out = tmp_path / "out"
    batch.build([AURORA], out=out, jobs=1, formats=("md",))
    assert batch.build([AURORA], out=out, jobs=2, quiet=True, formats=("md",))[0].status == "skipped"
