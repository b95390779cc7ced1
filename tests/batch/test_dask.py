"""Dask: the same build on a cluster, whose workers need not see the submitting machine's folders."""

from __future__ import annotations

import concurrent.futures as cf
import shutil

import pytest

from dossier import batch
from dossier.cli import main
from dossier.templating import default_theme_folder
from helpers import make_profiles

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
