"""Dask: the same build on a cluster, whose workers need not see the submitting machine's folders."""

from __future__ import annotations

import concurrent.futures as cf
import json
import shutil
import socket
import subprocess
import sys
import time

import pytest

from dossier import batch
from dossier.cli import main
from dossier.templating import default_theme_folder
from helpers import ROOT, make_profiles

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two worker processes on loopback, started in a working folder of their own."""
    elsewhere = tmp_path_factory.mktemp("workers")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(elsewhere)  # worker processes inherit this folder, not the test's
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None, local_directory=str(elsewhere)) as local:
            yield local


def test_dask_cluster_on_loopback(cluster, tmp_path):
    content = make_profiles(tmp_path / "content", 3)
    code = main([str(content), "--out", str(tmp_path / "out"), "--format", "md,docx",
                 "--dask-scheduler", cluster.scheduler_address, "-q"])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".dossier.lock", "manifest.json", "p0", "p1", "p2"]
    assert (tmp_path / "out" / "p1" / "p1-report.docx").stat().st_size > 10_000


class HidingExecutor(cf.Executor):
    """Submits to a Dask executor, but first moves the theme and reference document out of sight,
    as on a cluster whose workers do not share the submitting machine's disks."""

    def __init__(self, inner, *hidden):
        self.inner, self.hidden, self.moved = inner, hidden, False

    def submit(self, fn, /, *args, **kwargs):
        if not self.moved:
            for path in self.hidden:
                path.rename(path.with_name(path.name + ".gone"))
            self.moved = True
        return self.inner.submit(fn, *args, **kwargs)


def test_the_theme_travels_with_the_work(cluster, tmp_path):
    content = make_profiles(tmp_path / "content", 2)
    theme = tmp_path / "theme"
    theme.mkdir()
    report = (default_theme_folder() / "report.md.j2").read_text(encoding="utf-8")
    (theme / "report.md.j2").write_text(report + "\nMade with the travelling theme.\n", encoding="utf-8")
    reference = tmp_path / "reference.docx"
    shutil.copy(default_theme_folder() / "reference.docx", reference)
    with distributed.Client(cluster.scheduler_address) as client:
        executor = HidingExecutor(client.get_executor(), theme, reference)
        results = batch.build([content], formats=("md", "docx"), out=tmp_path / "out", templates=str(theme),
                              reference_docx=str(reference), executor=executor)
    assert executor.moved and not theme.exists() and not reference.exists()
    assert [(r.status, r.error) for r in results] == [("built", None)] * 2
    for slug in ("p0", "p1"):
        assert (tmp_path / "out" / slug / f"{slug}.md").read_text().endswith("Made with the travelling theme.\n")


def test_a_killed_scheduler_is_one_clear_error_and_a_prompt_exit(tmp_path):
    content = make_profiles(tmp_path / "content", 40)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
                                "--nthreads", "1", "--no-dashboard"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    out = tmp_path / "out"
    try:
        build = subprocess.Popen([sys.executable, "-m", "dossier", "build", str(content), "--out", str(out),
                                  "--format", "md,pdf", "--dask-scheduler", address], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not list(out.glob("p*/*.pdf")) and build.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        scheduler.kill()
        started = time.monotonic()
        _stdout, stderr = build.communicate(timeout=60)
    finally:
        for process in (scheduler, workers):
            process.kill()
            process.wait()
    assert time.monotonic() - started < 30
    assert build.returncode == 7, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "the executor cancelled the work" in errors[0], stderr
    assert "Traceback" not in stderr
    built = json.loads((out / "manifest.json").read_text())["profiles"]
    assert all(len(entry["outputs"]) == 2 for entry in built.values())  # what landed is recorded, whole


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
