"""Metadata, the same everywhere: every output carries Document.metadata, and verification checks it."""

from __future__ import annotations

import io
import zipfile

import pytest

from dossier.document import Document
from dossier.formats import FORMATS
from dossier.verify import check_output, check_outputs


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_output_carries_the_same_metadata(bigscience, bigscience_outputs, fmt):
    assert FORMATS[fmt].writer().read_metadata(bigscience_outputs[fmt]) == Document(bigscience).metadata


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_fixture_profile_too(aurora, aurora_outputs, fmt):
    expected = Document(aurora).metadata
    assert expected["created"] == "2025-09-15" and expected["author"] == "Example Press"
    assert FORMATS[fmt].writer().read_metadata(aurora_outputs[fmt]) == expected


def test_the_build_checks_pass_on_fresh_outputs(bigscience, bigscience_outputs):
    checks = check_outputs(Document(bigscience), {fmt: (f"x.{fmt}", data) for fmt, data in bigscience_outputs.items()})
    assert [(check.ok, check.metadata) for check in checks] == [(True, ())] * len(FORMATS)


def edit_member(data: bytes, member: str, old: bytes, new: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == member:
                assert old in content
                content = content.replace(old, new)
            target.writestr(item, content)
    return out.getvalue()


def test_a_wrong_docx_author_fails_verification(bigscience, bigscience_outputs):
    edited = edit_member(bigscience_outputs["docx"], "docProps/core.xml",
                         b"<dc:creator>Nextomoro</dc:creator>", b"<dc:creator>python-docx</dc:creator>")
    [check] = check_outputs(Document(bigscience), {"docx": ("x.docx", edited)})
    assert check.missing == ()
    assert check.metadata == (("author", "Nextomoro", "python-docx"),)
    assert not check.ok
    assert check.describe() == "x.docx: metadata author: expected 'Nextomoro', found 'python-docx'"


def test_markdown_front_matter_and_a_missing_fact_are_both_reported(bigscience, bigscience_outputs):
    text = bigscience_outputs["md"].decode()
    text = text.replace('lang: "en"', 'lang: "fr"').replace("1.6 terabytes", "1.6 TB")
    [check] = check_outputs(Document(bigscience), {"md": ("x.md", text.encode())})
    assert check.describe() == ("x.md: missing 1 of 19 facts: corpus_size ('1.6 terabytes'); "
                                "metadata language: expected 'en', found 'fr'")


def test_check_output_checks_metadata_unless_told_not_to(bigscience, bigscience_outputs):
    edited = edit_member(bigscience_outputs["docx"], "docProps/core.xml",
                         b"<dc:language>en</dc:language>", b"<dc:language>de</dc:language>")
    assert check_output(Document(bigscience), "docx", "x", edited, with_metadata=False).ok
    check = check_output(Document(bigscience), "docx", "x", edited)
    assert check.metadata == (("language", "en", "de"),)
