"""--keep-html writes the fact sheet's laid-out HTML beside it; --timings says where the time went."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from dossier import batch
from helpers import AURORA, ROOT


def test_keep_html_writes_the_page_weasyprint_laid_out_beside_the_pdf(tmp_path):
    out = tmp_path / "out"
    results = batch.build([AURORA], out=out, jobs=1, formats=("pdf",), keep_html=True)
    assert [r.status for r in results] == ["built"]
    folder = out / "aurora"
    assert sorted(path.name for path in folder.iterdir()) == ["aurora-factsheet.html", "aurora-factsheet.pdf"]
    html = (folder / "aurora-factsheet.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<style data-dossier-stylesheet>" in html
    assert "html { font-size: 9.0pt; }" in html  # the size the page was laid out at
    manifest = json.loads((out / "manifest.json").read_text())
    recorded = json.dumps(manifest)
    assert "aurora-factsheet.html" not in recorded  # not an output: not hashed, not verified

    # Laid out again by WeasyPrint alone, the kept page is the fact sheet: one page, the same text.
    import pypdfium2
    import weasyprint

    again = weasyprint.HTML(string=html, base_url=str(ROOT / "templates") + "/").write_pdf()
    pages = pypdfium2.PdfDocument(again)
    original = pypdfium2.PdfDocument((folder / "aurora-factsheet.pdf").read_bytes())
    assert len(pages) == 1
    assert pages[0].get_textpage().get_text_range().split() == original[0].get_textpage().get_text_range().split()


def test_keep_html_rebuilds_the_fact_sheet_alone(tmp_path):
    out = tmp_path / "out"
    batch.build([AURORA], out=out, jobs=1, formats=("pdf", "md"))
    again = batch.build([AURORA], out=out, jobs=1, formats=("pdf", "md"), keep_html=True)
    assert again[0].status == "built" and (out / "aurora" / "aurora-factsheet.html").is_file()
    assert batch.build([AURORA], out=out, jobs=1, formats=("md",), keep_html=True)[0].status == "skipped"


def test_timings_fill_every_stage_of_the_batch(tmp_path):
    times: dict = {}
    batch.build([AURORA], settings=batch.settings_for({"out": str(tmp_path / "out"), "jobs": 1, "timings": True}),
                timings=times)
    for stage in ("coordinator: find, hash and plan", "coordinator: write files and manifest", "load and validate",
                  "document and context", "render pdf", "render docx", "render md", "verify pdf", "verify docx",
                  "verify md"):
        wall, cpu = times[stage]
        assert wall >= 0 and cpu >= 0, stage


def test_the_timings_table_is_printed_by_the_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "dossier", "build", str(AURORA), "--out", str(tmp_path / "out"),
                             "--jobs", "1", "--timings", "-q"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^timings: 1 profiles built in [\d.]+ s wall", result.stdout, re.M)
    assert re.search(r"^render pdf +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+%$", result.stdout, re.M)
    assert re.search(r"^coordinator: process start and imports ", result.stdout, re.M)
    assert re.search(r"^total ", result.stdout, re.M)
