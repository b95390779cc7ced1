"""Crashes: a killed build, a killed worker, SIGTERM, a planted symlink, a broken manifest; nothing hangs or is lost."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pypdfium2
import pytest

from dossier import batch
from dossier.batch import run
from dossier.errors import EnvironmentProblem, UsageError
from helpers import AURORA, ROOT, make_profiles

DEADLINE = 60  # seconds: every wait here is bounded


def start_build(content: Path, out: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dossier", "build", str(content), "--out", str(out), *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def landed(out: Path) -> int:
    return sum(1 for path in out.glob("p*/*") if not path.name.endswith(".tmp"))


def assert_consistent(out: Path) -> None:
    """Every output opens, no temporary file is left, and the manifest matches the files on disk."""
    assert not [p for p in out.rglob("*.tmp")]
    manifest = json.loads((out / "manifest.json").read_text())
    assert not (out / "manifest.journal").exists()
    recorded = {}
    for entry in manifest["profiles"].values():
        for record in entry["outputs"].values():
            recorded[record["file"]] = record["sha256"]
    on_disk = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in out.glob("*/*") if p.is_file()}
    assert recorded == on_disk
    for name in on_disk:
        data = (out / name).read_bytes()
        if name.endswith(".pdf"):
            assert len(pypdfium2.PdfDocument(data)) == 1
        elif name.endswith(".docx"):
            assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
        else:
            data.decode("utf-8")


@pytest.fixture
def many(tmp_path):
    return make_profiles(tmp_path / "content", 6)


def test_a_killed_build_frees_the_folder_and_its_workers_die(many, tmp_path):
    out = tmp_path / "out"
    build = start_build(many, out, "--jobs", "2", "--format", "pdf,md")
    wait_for(lambda: landed(out) >= 2 or build.poll() is not None, "a first profile")
    workers = children(build.pid)
    build.kill()
    build.wait()
    wait_for(lambda: not any(alive(pid) for pid in workers), "the workers to die with their coordinator")
    again = subprocess.run([sys.executable, "-m", "dossier", str(many), "--out", str(out), "--format", "pdf,md",
                            "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=DEADLINE)
    assert again.returncode == 0, again.stderr
    summary = again.stdout.splitlines()[-1]
    assert summary.startswith("built ") and "failed 0" in summary
    if landed(out) and "skipped 0" not in summary:
        pass  # what the killed build finished was kept (checked in the journal test below)
    assert_consistent(out)


def test_what_a_killed_batch_finished_is_kept(many, tmp_path):
    out = tmp_path / "out"
    build = start_build(many, out, "--jobs", "1", "--format", "pdf")
    wait_for(lambda: (out / "manifest.journal").exists() and (out / "manifest.journal").read_text().count("\n") >= 2
             or build.poll() is not None, "two profiles in the journal")
    build.kill()
    build.wait()
    finished = (out / "manifest.journal").read_text().count("\n")
    results = batch.build([many], out=out, formats=("pdf",), jobs=1)
    assert [r.status for r in results].count("skipped") >= finished >= 2
    assert all(r.ok for r in results)
    assert_consistent(out)


def test_a_killed_worker_is_reported_and_the_rest_is_built(many, tmp_path, monkeypatch):
    # Workers are forked from this process, so they run this stand-in: p2's worker dies as the
    # out-of-memory killer would end it.
    real = run.render_profile

    def dies_on_p2(source, content, config):
        if source.endswith("p2.yaml"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(source, content, config)

    monkeypatch.setattr(run, "render_profile", dies_on_p2)
    out = tmp_path / "out"
    results = batch.build([many], out=out, formats=("md",), jobs=2)
    assert [r.status for r in results] == ["built", "built", "failed", "built", "built", "built"]
    assert results[2].exit_code == 1 and results[2].error == (
        f"{many / 'p2.yaml'}: the worker process rendering it was killed by SIGKILL (likely out of memory); "
        "nothing of it was written")
    monkeypatch.setattr(run, "render_profile", real)
    again = batch.build([many], out=out, formats=("md",), jobs=2)
    assert [r.status for r in again] == ["skipped", "skipped", "built", "skipped", "skipped", "skipped"]
    assert_consistent(out)


def test_a_worker_killed_from_outside_never_hangs_the_build(many, tmp_path):
    out = tmp_path / "out"
    build = start_build(many, out, "--jobs", "2", "--format", "pdf")
    wait_for(lambda: len(children(build.pid)) >= 2 or build.poll() is not None, "two workers")
    wait_for(lambda: landed(out) >= 1 or build.poll() is not None, "a first fact sheet")
    os.kill(children(build.pid)[0], signal.SIGKILL)
    stdout, stderr = build.communicate(timeout=DEADLINE)
    assert "Traceback" not in stderr
    # Killed while rendering, its profile is reported; killed between two, the work goes on (with a
    # warning when work was in flight).
    if build.returncode == 1:
        assert "killed by SIGKILL (likely out of memory); nothing of it was written" in stderr
        assert stdout.splitlines()[-1].startswith("built 5, skipped 0, failed 1")
    else:  # between two profiles: its work was done again, or there was none left to do
        assert build.returncode == 0 and stdout.splitlines()[-1].startswith("built 6, skipped 0, failed 0")
    assert all(r.ok for r in batch.build([many], out=out, formats=("pdf",), jobs=2))
    assert_consistent(out)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_signal_ends_the_build_promptly(many, tmp_path, signal_name):
    out = tmp_path / "out"
    build = start_build(many, out, "--jobs", "2", "--format", "pdf,docx,md")
    wait_for(lambda: landed(out) >= 1 or build.poll() is not None, "a first output")
    workers = children(build.pid)
    started = time.monotonic()
    build.send_signal(getattr(signal, signal_name))
    _stdout, stderr = build.communicate(timeout=DEADLINE)
    assert time.monotonic() - started < 10
    assert build.returncode == 130, stderr
    assert "error: interrupted" in stderr and "Traceback" not in stderr
    wait_for(lambda: not any(alive(pid) for pid in workers), "the workers to end")
    assert not [p for p in out.rglob("*.tmp")]


def test_the_lock_does_not_follow_a_symbolic_link(many, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    (out / ".dossier.lock").symlink_to(precious)
    with pytest.raises(EnvironmentProblem, match=r"\.dossier\.lock is a symbolic link; dossier does not follow it"):
        batch.build([many], out=out, formats=("md",), jobs=1)
    assert precious.read_text() == "keep me\n"


def test_stale_temporary_files_of_a_killed_build_are_removed(many, tmp_path):
    out = tmp_path / "out"
    batch.build([many], out=out, formats=("md",), jobs=1)
    stale = [out / "p0" / ".p0.md.abcd1234.tmp", out / ".manifest.json.zyxw9876.tmp"]
    for path in stale:
        path.write_text("half")
    keep = out / "p0" / "notes.tmp"  # not a name of ours: left alone
    keep.write_text("mine")
    (out / ".dossier.lock").write_text("pid 99999999\n")  # what a killed build leaves
    batch.build([many], out=out, formats=("md",), jobs=1)
    assert not any(path.exists() for path in stale) and keep.exists()


@pytest.mark.parametrize("text", ["null", "[]", '{"format": 1, "profiles": []}', '{"format": 1, "profiles": {"x": 3}}',
                                  "{not json"])
def test_a_manifest_of_the_wrong_shape_is_reported_and_rebuilt(many, tmp_path, text):
    out = tmp_path / "out"
    batch.build([many], out=out, formats=("md",), jobs=1)
    (out / "manifest.json").write_text(text)
    warnings = []
    results = batch.build([many], out=out, formats=("md",), jobs=1, on_warning=warnings.append)
    assert [r.status for r in results] == ["built"] * 6
    assert len(warnings) == 1 and str(out / "manifest.json") in warnings[0] and "rebuilt" in warnings[0]
    assert_consistent(out)
    assert [r.status for r in batch.build([many], out=out, formats=("md",), jobs=1)] == ["skipped"] * 6


def test_a_manifest_pointing_outside_its_folder_is_not_followed(many, tmp_path):
    out = tmp_path / "out"
    batch.build([many], out=out, formats=("md",), jobs=1)
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["profiles"].values():
        entry["outputs"]["md"]["file"] = "/dev/zero"  # reading it would never end
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert [r.status for r in batch.build([many], out=out, formats=("md",), jobs=1)] == ["built"] * 6


@pytest.mark.parametrize("seed", range(3))
def test_killed_at_random_moments_the_next_build_recovers(many, tmp_path, seed):
    """Kill the coordinator or a worker at a moment drawn from a fixed seed; the next build must succeed."""
    chance = random.Random(seed)
    out = tmp_path / "out"
    build = start_build(many, out, "--jobs", "2", "--format", "pdf,md")
    time.sleep(chance.uniform(0.3, 2.5))
    target = build.pid
    if chance.random() < 0.5 and children(build.pid):
        target = chance.choice(children(build.pid))
    with_workers = children(build.pid)
    os.kill(target, signal.SIGKILL)
    try:
        build.communicate(timeout=DEADLINE)
    finally:
        build.kill()
    wait_for(lambda: not any(alive(pid) for pid in with_workers) or target != build.pid, "orphaned workers")
    results = batch.build([many], out=out, formats=("pdf", "md"), jobs=2)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert_consistent(out)


def test_content_that_is_not_a_regular_file_is_refused_without_reading(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "zero.yaml").symlink_to("/dev/zero")  # reading it would never end
    os.mkfifo(content / "pipe.yaml")  # nor would reading this
    for name in ("zero.yaml", "pipe.yaml"):
        with pytest.raises(UsageError) as caught:
            batch.build([content / name], out=tmp_path / "out", formats=("md",), jobs=1)
        assert str(caught.value) == f"{content / name}: is not a regular file or a folder of *.yaml"
    (content / "real.yaml").write_text(AURORA.read_text())
    [result] = batch.build([content], out=tmp_path / "out", formats=("md",), jobs=1)  # a folder scan skips them
    assert result.status == "built"
