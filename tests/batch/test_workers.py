"""The worker pool: forked early, so that a caller's script needs no guard and workers stay small."""

from __future__ import annotations

import subprocess
import sys

from dossier.batch import run
from helpers import AURORA, ROOT


def test_a_script_without_a_main_guard_builds_with_several_workers(tmp_path):
    """Workers are forked, not spawned: a spawned worker would run the caller's script again."""
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_text(AURORA.read_text().replace("slug: aurora", f"slug: aurora-{name}"))
    (tmp_path / "script.py").write_text(
        "import dossier\n"
        "results = dossier.build([\"a.yaml\", \"b.yaml\", \"c.yaml\"], out=\"out\", formats=(\"md\",), jobs=2)\n"
        "print(' '.join(r.status for r in results))\n")
    result = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["built", "built", "built"]
    assert "Traceback" not in result.stderr


def test_a_pool_is_started_only_for_a_build_that_can_use_one():
    assert run.start_pool(1, 100) is None  # --jobs 1 renders in this process
    assert run.start_pool(2, 1) is None  # one profile: in this process too
    pool = run.start_pool(2, 3)
    processes = list(pool._processes.values())
    try:
        assert len(processes) == 2  # forked at once, before anything else is read
    finally:
        run.stop_pool(pool)
    assert all(process.exitcode is not None for process in processes)  # stopped, not left behind


def test_an_iterator_of_paths_is_read_once(tmp_path):
    from dossier import batch

    results = batch.build((path for path in [AURORA]), out=tmp_path / "out", formats=("md",), jobs=2)
    assert [r.status for r in results] == ["built"]


def test_a_worker_that_ran_a_stopped_template_is_replaced_before_more_work(monkeypatch):
    """A render stopped at its limits may leave its process large or odd: the pool is retired once the
    units in flight are done, and the units not yet started go to fresh worker processes."""
    import os
    from pathlib import Path

    from dossier.pipeline import BuildConfig

    def fake_render(source, content, config):  # forked with the pool: the workers run this one
        if source.endswith("stopped.yaml"):
            return run.WorkerResult(error="stopped at its limits", exit_code=4, recycle=True,
                                    warnings=(str(os.getpid()),))
        import time

        time.sleep(0.05)
        return run.WorkerResult(error="not rendered, only counted", exit_code=1, warnings=(str(os.getpid()),))

    monkeypatch.setattr(run, "render_profile", fake_render)
    names = ["stopped.yaml"] + [f"p{i}.yaml" for i in range(15)]
    pending = [(Path(name), b"", {}, ("md",)) for name in names]
    results = [(task[0].name, result) for task, result in run.execute(pending, BuildConfig(formats=("md",)), None, 2)]
    assert len(results) == 16
    in_flight = run.WINDOW * 2  # submitted before the stopped result came back
    order = [name for name, _ in results]
    first_pool = {result.warnings[0] for name, result in results if order.index(name) < in_flight}
    later = [result.warnings[0] for name, result in results if names.index(name) >= in_flight]
    stopped = next(result for name, result in results if name == "stopped.yaml")
    assert stopped.recycle and later
    assert not set(later) & (first_pool | {stopped.warnings[0]})
