"""Batch builds: parallel, incremental through the manifest, reproducible, isolated, locked."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import subprocess
import sys

import pytest

import dossier
from dossier import batch
from dossier.cli import main
from dossier.errors import OutputBusy
from helpers import AURORA, ROOT, make_profiles


def hold_lock(path, text: str) -> subprocess.Popen:
    """Another process holding the build lock (a lock held by this process would not stop it)."""
    script = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
              "fcntl.lockf(fd, fcntl.LOCK_EX); os.write(fd, sys.argv[2].encode() + b'\\n'); print('held', flush=True); "
              "time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", script, str(path), text], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    return holder


def statuses(results):
    return [(r.slug, r.status) for r in results]


@pytest.fixture
def three(tmp_path):
    return make_profiles(tmp_path / "content", 3)


def test_library_api_builds_in_parallel_and_reports_each_profile(three, tmp_path):
    out = tmp_path / "out"
    results = dossier.build([three], formats=("md", "docx"), out=out, jobs=2)
    assert statuses(results) == [("p0", "built"), ("p1", "built"), ("p2", "built")]
    first = results[0]
    assert first.ok and first.error is None
    assert first.outputs == {"md": str(out / "p0" / "p0.md"), "docx": str(out / "p0" / "p0-report.docx")}
    assert first.hashes["md"] == hashlib.sha256((out / "p0" / "p0.md").read_bytes()).hexdigest()
    assert [check.ok for check in first.checks] == [True, True]


def test_manifest_records_inputs_outputs_and_verification(three, tmp_path):
    out = tmp_path / "out"
    batch.build([three], formats=("md",), out=out, jobs=1)
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["profiles"]["../content/p1.yaml"]
    assert entry["slug"] == "p1"
    record = entry["outputs"]["md"]
    assert record["file"] == "p1/p1.md" and record["verified"] is True and record["facts"] == 10
    assert record["sha256"] == hashlib.sha256((out / "p1" / "p1.md").read_bytes()).hexdigest()
    assert len(record["input"]) == 64


def test_unchanged_profiles_are_skipped_and_changes_rebuild_only_what_they_touch(three, tmp_path):
    out = tmp_path / "out"
    assert statuses(batch.build([three], formats=("md",), out=out, jobs=1))[0] == ("p0", "built")
    assert [r.status for r in batch.build([three], formats=("md",), out=out)] == ["skipped"] * 3
    # One content file edited: only it is rebuilt.
    p1 = three / "p1.yaml"
    p1.write_text(p1.read_text().replace("Aurora Lab 1", "Aurora Lab One"))
    assert [r.status for r in batch.build([three], formats=("md",), out=out)] == ["skipped", "built", "skipped"]
    # An output edited by hand is rebuilt.
    (out / "p2" / "p2.md").write_text("tampered")
    assert [r.status for r in batch.build([three], formats=("md",), out=out)] == ["skipped", "skipped", "built"]
    # --force rebuilds everything.
    assert [r.status for r in batch.build([three], formats=("md",), out=out, force=True)] == ["built"] * 3


def test_a_changed_template_rebuilds_every_profile(three, tmp_path):
    out, theme = tmp_path / "out", tmp_path / "theme"
    theme.mkdir()
    (theme / "report.md.j2").write_text((ROOT / "templates" / "report.md.j2").read_text())
    batch.build([three], formats=("md",), out=out, templates=theme, jobs=1)
    assert [r.status for r in batch.build([three], formats=("md",), out=out, templates=theme)] == ["skipped"] * 3
    (theme / "report.md.j2").write_text((theme / "report.md.j2").read_text() + "\n<!-- changed -->\n")
    assert [r.status for r in batch.build([three], formats=("md",), out=out, templates=theme)] == ["built"] * 3


def test_a_noop_rebuild_imports_no_renderer(three, tmp_path):
    out = tmp_path / "out"
    batch.build([three], formats=("md", "docx"), out=out, jobs=1)
    probe = ("import sys\nfrom dossier.cli import main\n"
             f"code = main([{str(three)!r}, '--out', {str(out)!r}, '--format', 'md,docx', '-q'])\n"
             "print(code, sorted(m for m in ('weasyprint', 'docx', 'jinja2', 'markdown', 'jsonschema', 'yaml', "
             "'lxml', 'pypdfium2', 'dossier.formats.pdf', 'dossier.formats.docx', 'dossier.content') "
             "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "0 []", result.stderr


def test_same_input_gives_identical_bytes_across_processes(tmp_path):
    hashes = []
    for run in ("a", "b"):
        out = tmp_path / run
        subprocess.run([sys.executable, "build.py", str(AURORA), "--out", str(out), "-q", "--jobs", "1"],
                       cwd=ROOT, check=True)
        hashes.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (out / "aurora").iterdir()})
    assert hashes[0] == hashes[1]
    assert len(hashes[0]) == 3


def test_one_bad_profile_is_reported_and_the_others_are_built(three, tmp_path):
    (three / "p1.yaml").write_text("slug: [broken\n")
    results = batch.build([three], formats=("md",), out=tmp_path / "out", jobs=2)
    assert statuses(results) == [("p0", "built"), (None, "failed"), ("p2", "built")]
    assert results[1].exit_code == 3 and results[1].error.startswith(f"{three / 'p1.yaml'}:2:1: (file): YAML syntax")


SLUG_LINE = next(number for number, line in enumerate(AURORA.read_text().splitlines(), 1) if line.startswith("slug:"))


def test_two_profiles_with_one_slug_both_fail_and_neither_is_written(three, tmp_path):
    (three / "p2.yaml").write_text((three / "p2.yaml").read_text().replace("slug: p2", "slug: p0"))
    out = tmp_path / "out"
    results = batch.build([three], formats=("md",), out=out, jobs=2)
    assert [r.status for r in results] == ["failed", "built", "failed"]
    assert results[0].exit_code == 3
    assert results[2].error == (f"{three / 'p2.yaml'}:{SLUG_LINE}:7: slug: 'p0' is also the slug of "
                                f"{three / 'p0.yaml'}:{SLUG_LINE}:7; their outputs would overwrite each other: "
                                "give each profile its own slug")
    assert results[0].error.startswith(f"{three / 'p0.yaml'}:{SLUG_LINE}:7: slug: 'p0' is also the slug of ")
    assert not (out / "p0").exists()


@pytest.mark.parametrize("written", ['slug: "p0"', "slug: 'p0'  # quoted", "at the end"])
def test_a_shared_slug_is_found_however_it_is_written(three, tmp_path, written):
    text = (three / "p2.yaml").read_text()
    if written == "at the end":
        text = text.replace("slug: p2\n", "") + "slug: p0\n"
    else:
        text = text.replace("slug: p2", written)
    (three / "p2.yaml").write_text(text)
    results = batch.build([three], formats=("md",), out=tmp_path / "out", jobs=1)
    assert [r.status for r in results] == ["failed", "built", "failed"]
    assert f"is also the slug of {three / 'p0.yaml'}:{SLUG_LINE}:7;" in results[2].error


def test_a_new_profile_cannot_take_the_slug_of_one_already_built(three, tmp_path):
    out = tmp_path / "out"
    batch.build([three / "p0.yaml"], formats=("md",), out=out, jobs=1)
    before = (out / "p0" / "p0.md").read_bytes()
    (three / "p1.yaml").write_text((three / "p1.yaml").read_text().replace("slug: p1", "slug: p0"))
    # In the same build as the owner (skipped, unchanged) ...
    results = batch.build([three / "p0.yaml", three / "p1.yaml"], formats=("md",), out=out, jobs=1)
    assert [r.status for r in results] == ["skipped", "failed"]
    assert f"slug: 'p0' is also the slug of {three / 'p0.yaml'}:{SLUG_LINE}:7;" in results[1].error
    # ... and in a build of its own: the manifest knows the owner.
    [alone] = batch.build([three / "p1.yaml"], formats=("md",), out=out, jobs=1)
    assert alone.status == "failed"
    assert f"slug: 'p0' is also the slug of {(three / 'p0.yaml').resolve()}:{SLUG_LINE}:7;" in alone.error
    assert (out / "p0" / "p0.md").read_bytes() == before
    # Once the owner's file is gone, the slug is free.
    (three / "p0.yaml").unlink()
    assert batch.build([three / "p1.yaml"], formats=("md",), out=out, jobs=1)[0].status == "built"


def test_warnings_reach_their_own_profile_under_threads(tmp_path):
    content = make_profiles(tmp_path / "content", 8)
    for i in range(8):
        path = content / f"p{i}.yaml"
        path.write_text(path.read_text().replace("language: en", f"language: en\nextra_{i}: x"))
    with cf.ThreadPoolExecutor(max_workers=4) as executor:
        results = batch.build([content], formats=("md",), out=tmp_path / "out", executor=executor)
    for i, result in enumerate(results):
        assert len(result.warnings) == 1 and f"extra_{i}: unknown key 'extra_{i}'" in result.warnings[0]


def test_a_held_lock_is_a_clear_error(three, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    holder = hold_lock(out / ".dossier.lock", "pid 4242")
    try:
        with pytest.raises(OutputBusy):
            batch.build([three], formats=("md",), out=out, jobs=1)
        assert main([str(three), "--out", str(out), "--format", "md"]) == 8
    finally:
        holder.kill()
        holder.wait()
    assert capsys.readouterr().err == (f"error: output folder {out} is in use by another build (pid 4242); "
                                       "try again when it has finished\n")
    assert batch.build([three], formats=("md",), out=out, jobs=1)[0].status == "built"  # released by its death


def test_any_executor_can_run_the_build(three, tmp_path):
    with cf.ThreadPoolExecutor(max_workers=2) as executor:
        results = batch.build([three], formats=("md",), out=tmp_path / "out", executor=executor)
    assert [r.status for r in results] == ["built"] * 3


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_an_interrupted_build_leaves_no_partial_file(tmp_path, signal_name):
    import signal
    import time

    content = make_profiles(tmp_path / "content", 8)
    out = tmp_path / "out"
    build = subprocess.Popen([sys.executable, "build.py", str(content), "--out", str(out), "--jobs", "2", "-q"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(out.glob("p*/*.pdf")) and time.monotonic() < deadline and build.poll() is None:
        time.sleep(0.05)
    build.send_signal(getattr(signal, signal_name))
    _stdout, stderr = build.communicate(timeout=60)
    assert build.returncode == 130, stderr
    assert "error: interrupted" in stderr
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    # What the manifest records is on disk, whole; the next build finishes the rest.
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["profiles"].values():
        for record in entry["outputs"].values():
            assert hashlib.sha256((out / record["file"]).read_bytes()).hexdigest() == record["sha256"]
    results = batch.build([content], out=out)
    assert all(r.ok for r in results) and "built" in {r.status for r in results}
