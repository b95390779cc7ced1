"""Build many profiles: plan against the manifest, run on any executor, store atomically.

The coordinator (this process) reads each content file, keys each output with
everything it depends on, and skips the outputs the manifest says are fresh
(plan.py). The rest go to an executor (in-process, a process pool, or a Dask
cluster) with their content and the theme (run.py); workers render and verify in
memory and send the bytes back; the coordinator writes every file by rename and
records it in the manifest (store.py).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import logging
from pathlib import Path
from typing import Callable

from .. import files, pipeline
from ..errors import DossierError, VerificationError
from ..formats import output_name
from ..options import OPTIONS, RenderOptions, Settings, resolve
from ..pipeline import BuildConfig, Stopwatch
from .manifest import MAX_OUTPUT_BYTES, Manifest
from .plan import SlugClaims, base_keys, find_profiles, plan
from .results import ProfileResult, fail
from .run import WorkerResult, collect_warnings, execute, render_profile, start_pool, stop_pool
from .store import output_lock, write_files


def settings_for(options: dict) -> Settings:
    """Keywords of build() and check() → checked settings (a bad value: a UsageError, exit 2)."""
    return resolve([("dossier.build()", options)])


def build(paths=None, *, settings: Settings | None = None, executor: cf.Executor | None = None,
          on_result: Callable[[ProfileResult], None] | None = None,
          on_warning: Callable[[str], None] | None = None,
          timings: dict[str, tuple[float, float]] | None = None, **options) -> list[ProfileResult]:
    """Build every profile in `paths` (files or folders of *.yaml; default: the `content` option).

    Keywords are the options of options.OPTIONS (formats, out, templates, reference_docx,
    paper, jobs, strict, force, …), checked once; or pass `settings` already resolved.
        executor: any concurrent.futures.Executor (e.g. a Dask client's executor).
        on_result: called in the coordinator as each profile finishes.
        on_warning: called with each warning about the build as a whole (a manifest it could
            not read, say); default: the "dossier" logger. A profile's warnings are in its result.
        timings: a dict to fill with {stage: (wall, CPU) seconds}, summed over the batch: the
            workers' stages (with the `timings` option on) and the coordinator's.

    Returns:
        One ProfileResult per content file, in the order the files were found.
    """
    settings = settings or settings_for(options)
    warn = on_warning or logging.getLogger("dossier").warning
    clock = Stopwatch(timings is not None)
    with clock("coordinator: settings, theme, brand"):
        config = BuildConfig.from_settings(settings, warn)
    named = settings.content if paths is None else paths
    with clock("coordinator: find, hash and plan"):
        sources = find_profiles(named)
    # Workers forked before the manifest and content are read (see run.start_pool), no more of them than
    # there is work for: the names of the content files are all the coordinator holds yet.
    pool = start_pool(settings.jobs, len(sources)) if executor is None else None
    try:
        return _build(sources, settings, config, executor, pool, clock, on_result, warn, timings)
    finally:
        stop_pool(pool)  # nothing left to stop if the build used it


def _build(sources, settings, config, executor, pool, clock, on_result, warn, timings):
    out = Path(settings.out)
    with output_lock(out):
        with clock("coordinator: find, hash and plan"):
            manifest = Manifest.load(out)
            for problem in manifest.problems:
                warn(problem)
            base = base_keys(config)
            results: dict[Path, ProfileResult] = {}
            pending: list[tuple[Path, bytes, dict[str, str], tuple[str, ...]]] = []
            for source in sources:
                content, keys, stale, result = plan(source, base, manifest, settings.force)
                if result is not None:
                    results[source] = result
                else:
                    pending.append((source, content, keys, stale))
        claims = SlugClaims(manifest, {r.slug: Path(r.source) for r in results.values() if r.slug})
        for source, error in claims.refuse_shared(pending).items():
            results[source] = ProfileResult(str(source))
            fail(results[source], error)
        pending = [task for task in pending if task[0] not in results]
        for source in sources:
            if source in results:
                _notify(on_result, results[source])
        try:
            for task, outcome in execute(pending, config, executor, settings.jobs, warn, pool):
                source, _content, keys, _stale = task
                with clock("coordinator: write files and manifest"):
                    result = _finish(source, keys, outcome, out, manifest, claims)
                for stage, (wall, cpu) in outcome.timings.items():
                    clock.add(stage, wall, cpu)
                results[source] = result
                _notify(on_result, result)
        finally:
            with clock("coordinator: write files and manifest"):
                manifest.save()
    if timings is not None:
        timings.update(clock.times)
    return [results[source] for source in sources]


def check(paths=None, *, settings: Settings | None = None,
          on_result: Callable[[ProfileResult], None] | None = None, **options) -> list[ProfileResult]:
    """Verify outputs already in the output folder against their content, without building."""
    settings = settings or settings_for(options)
    config = BuildConfig(tuple(settings.formats), options=RenderOptions.from_settings(settings))
    results = []
    for source in find_profiles(settings.content if paths is None else paths):
        result = ProfileResult(str(source), status="checked")
        try:
            with collect_warnings(result.warnings):
                profile = pipeline.load(source, config, warn=logging.getLogger("dossier").warning)
            result.slug = profile.slug
            found = {}
            for fmt in settings.formats:
                path = Path(settings.out) / profile.slug / output_name(fmt, profile.slug)
                try:
                    found[fmt] = (str(path), files.read(path, limit=MAX_OUTPUT_BYTES, inside=Path(settings.out)))
                except files.Refused as refused:
                    if refused.reason in (files.MISSING, files.NOT_REGULAR):
                        raise VerificationError(f"{path}: not found; build it first") from None
                    raise VerificationError(f"{path}: {refused.describe('an output')}") from None
                result.outputs[fmt] = str(path)
            result.checks = pipeline.verify_built(profile, found)
            if not result.ok:
                fail(result, _verification_error(str(source), result.checks, built=False))
        except DossierError as exc:
            fail(result, exc)
        results.append(result)
        _notify(on_result, result)
    return results


def _finish(source: Path, keys: dict[str, str], outcome: WorkerResult, out: Path, manifest: Manifest,
            claims: SlugClaims) -> ProfileResult:
    """Coordinator side: check the outcome, write the files by rename, record them."""
    result = ProfileResult(str(source), warnings=list(outcome.warnings))
    if outcome.failed:
        result.error, result.exit_code = outcome.error, outcome.exit_code
        return result
    result.slug, result.checks = outcome.slug, list(outcome.checks)
    if not all(check.ok for check in result.checks):
        fail(result, _verification_error(str(source), result.checks))
        return result
    clash = claims.claim(result.slug, source)
    if clash:
        fail(result, clash)
        return result
    folder = out / result.slug
    try:
        write_files(out, folder, {**outcome.companions, **{name: data for name, data in outcome.files.values()}})
    except DossierError as exc:
        fail(result, exc)
        return result
    result.status = "built"
    for fmt, (name, data) in outcome.files.items():
        result.outputs[fmt] = str(folder / name)
        result.hashes[fmt] = hashlib.sha256(data).hexdigest()
    manifest.record(source, result, keys)
    # The formats that were fresh and not rebuilt are outputs of this profile too.
    kept = manifest.fresh_outputs(source, {fmt: key for fmt, key in keys.items() if fmt not in outcome.files})
    for fmt in keys:
        if fmt in kept:
            result.outputs[fmt], result.hashes[fmt] = kept[fmt]
    result.outputs = {fmt: result.outputs[fmt] for fmt in keys if fmt in result.outputs}
    result.hashes = {fmt: result.hashes[fmt] for fmt in keys if fmt in result.hashes}
    return result


def _verification_error(source: str, checks, *, built: bool = True) -> DossierError:
    failed = [check.describe() for check in checks if not check.ok]
    said = "verification failed, nothing written" if built else "verification failed"
    return VerificationError(f"{source}: {said}: " + " | ".join(failed))


def _notify(callback, result: ProfileResult) -> None:
    if callback is not None:
        callback(result)


__all__ = ["OPTIONS", "BuildConfig", "ProfileResult", "WorkerResult", "build", "check", "find_profiles",
           "render_profile"]
