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
