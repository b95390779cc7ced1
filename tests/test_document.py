"""The Document: built once per profile, read by every writer and the verifier."""

from __future__ import annotations

import collections

from dossier import batch, templating
from dossier.document import REPORT_TEMPLATE, Document
from dossier.formats import FORMATS
from helpers import AURORA


def test_each_profile_renders_its_report_once_for_every_output(tmp_path, monkeypatch):
    rendered = collections.Counter()
    real = templating.render_template

    def counting(env, name, context):
        rendered[name] += 1
        return real(env, name, context)

    monkeypatch.setattr(templating, "render_template", counting)
    built = collections.Counter()
    real_init = Document.__init__

    def counting_init(self, profile, env=None, **options):
        built[profile.slug] += 1
        real_init(self, profile, env, **options)

    monkeypatch.setattr(Document, "__init__", counting_init)
    [result] = batch.build([AURORA], out=tmp_path / "out", jobs=1)
    assert result.status == "built" and [c.format for c in result.checks] == list(FORMATS)
    assert rendered[REPORT_TEMPLATE] == 1  # the .md and the Word report are made from one rendering
    assert built == {"aurora": 1}


def test_metadata_and_facts_need_no_theme(aurora):
    document = Document(aurora)
    assert document.metadata["title"] == "Aurora Lab" and document.facts
    assert "[[" not in "".join(document.facts.values())
