"""Soak: kill a batch build (the coordinator or a worker) at random moments, many times; each next build must recover.

The test suite does three such rounds; this runs as many as asked, on a larger batch:

    .venv/bin/python bench/soak_crash.py --profiles 30 --rounds 50 --seed 1

After each kill it runs a normal build and checks that it succeeds, that no worker of the
killed build is left, that every output opens, that no temporary file is left, and that
the manifest matches the files on disk. It prints one line per round and a summary.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AURORA = ROOT / "tests" / "fixtures" / "aurora" / "aurora.yaml"


def make_profiles(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = AURORA.read_text(encoding="utf-8")
    for i in range(count):
        (folder / f"p{i}.yaml").write_text(
            text.replace("slug: aurora", f"slug: p{i}").replace("name: Aurora Lab", f"name: Aurora Lab {i}"),
            encoding="utf-8")
    return folder


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def outlives(pid: int, seconds: float) -> bool:
    """Whether a process is still running (not a zombie) after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        except OSError:
            return False
        time.sleep(0.05)
    return True


def problems_of(out: Path) -> list[str]:
    """What is wrong with an output folder after a build: temporaries, mismatches, unreadable files."""
    import pypdfium2

    found = [f"left behind: {p}" for p in out.rglob("*.tmp")]
    manifest = json.loads((out / "manifest.json").read_text())
    recorded = {record["file"]: record["sha256"] for entry in manifest["profiles"].values()
                for record in entry["outputs"].values()}
    on_disk = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in out.glob("*/*") if p.is_file()}
    if recorded != on_disk:
        found.append(f"manifest and disk differ: {sorted(set(recorded.items()) ^ set(on_disk.items()))[:3]}")
    for name in on_disk:
        data = (out / name).read_bytes()
        try:
            if name.endswith(".pdf"):
                pypdfium2.PdfDocument(data)
            elif name.endswith(".docx"):
                zipfile.ZipFile(io.BytesIO(data)).testzip()
            else:
                data.decode("utf-8")
        except Exception as exc:  # noqa: BLE001 - any failure to open is what we look for
            found.append(f"{name} does not open: {exc}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="dossier-soak-") as tmp:
        content = make_profiles(Path(tmp) / "content", args.profiles)
        out = Path(tmp) / "out"
        command = [sys.executable, "-m", "dossier", "build", str(content), "--out", str(out), "--jobs",
                   str(args.jobs), "-q"]
        for round_number in range(1, args.rounds + 1):
            if chance.random() < 0.3:  # some rounds start from scratch, the rest from what is there
                for path in content.glob("*.yaml"):
                    path.write_text(path.read_text().replace("as_of:", f"# round {round_number}\nas_of:", 1))
            build = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(chance.uniform(0.2, 4.0))
            workers = children(build.pid)
            victim = chance.choice(workers) if workers and chance.random() < 0.5 else build.pid
            kind = "worker" if victim != build.pid else "build"
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                kind = "nothing (it had ended)"
            try:
                build.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                build.kill()
                print(f"round {round_number}: HUNG after killing the {kind}")
                failures += 1
                continue
            orphans = [pid for pid in workers if outlives(pid, seconds=5)]
            started = time.monotonic()
            again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
            found = problems_of(out) if again.returncode == 0 else [f"next build exit {again.returncode}: "
                                                                     f"{again.stderr.strip()[:300]}"]
            found += [f"worker {pid} outlived its build" for pid in orphans]
            failures += bool(found)
            state = "ok" if not found else "FAILED: " + "; ".join(found)
            print(f"round {round_number}: killed the {kind}; next build {time.monotonic() - started:.1f} s; {state}",
                  flush=True)
    print(f"{args.rounds} rounds, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
