"""Which content file a report was made from: named with --content, else found by the slug the report's
core properties carry (dc:identifier), through the manifest of the output folder it came from or the
project's, else among the project's content files."""

from __future__ import annotations

import json
from pathlib import Path

from .. import files, yamlfile
from ..errors import UsageError, VerificationError
from ..model import MAX_CONTENT_BYTES, SLUG


def report_slug(properties: dict[str, str], label: str, content_given: bool) -> str | None:
    """The slug the report says it was made from; a report naming none was not made by dossier."""
    slug = properties.get("identifier", "")
    if SLUG.match(slug):
        return slug
    if content_given:
        return None
    raise VerificationError(f"{label}: not a report made by dossier: its document properties name no profile "
                            f"(identifier {slug!r}); if it is one, name its content file with --content")


def find_content(report: Path, slug: str, settings) -> Path:
    """The content file whose slug is `slug`: the manifests first, then the project's content files."""
    from ..batch.manifest import MANIFEST, MAX_MANIFEST_BYTES
    from ..batch.plan import find_profiles

    looked = []
    for out in dict.fromkeys([Path(settings.out), report.parent.parent, report.parent]):
        manifest = out / MANIFEST
        if not manifest.is_file():
            continue
        looked.append(str(manifest))
        try:
            profiles = json.loads(files.read(manifest, limit=MAX_MANIFEST_BYTES, inside=out)).get("profiles", {})
        except (files.Refused, ValueError, AttributeError):
            continue
        if not isinstance(profiles, dict):
            continue
        for key, entry in sorted(profiles.items()):
            if isinstance(entry, dict) and entry.get("slug") == slug and isinstance(key, str):
                source = (out / key).resolve()
                # A manifest beside a file someone sent may be theirs too: only a YAML file is taken.
                if source.suffix in (".yaml", ".yml") and source.is_file():
                    return _relative(source)
    try:
        sources = find_profiles(settings.content)
    except UsageError:
        sources = []
    for source in sources:
        try:
            found = yamlfile.peek_scalar(files.read(source, limit=MAX_CONTENT_BYTES, inside=source.parent), "slug")
        except files.Refused:
            continue
        if found and found[0] == slug:
            return source
    places = ", ".join(looked) or f"no manifest.json in {settings.out}"
    raise UsageError(f"{report}: made from the profile {slug!r}, but neither a manifest ({places}) nor the content "
                     f"files ({', '.join(map(str, settings.content))}) name it; give its content file with --content")


def _relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path
