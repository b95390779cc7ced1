"""Metadata, the same everywhere: every output carries Document.metadata, and verification checks it."""

from __future__ import annotations

import io
import zipfile

import pytest

from dossier.document import Document
from dossier.errors import VerificationError
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
    assert check.describe() == ("x.md: missing 1 of 29 facts: corpus_size ('1.6 terabytes'); "
                                "metadata language: expected 'en', found 'fr'")


def test_check_output_checks_metadata_unless_told_not_to(bigscience, bigscience_outputs):
    edited = edit_member(bigscience_outputs["docx"], "docProps/core.xml",
                         b"<dc:language>en</dc:language>", b"<dc:language>de</dc:language>")
    assert check_output(Document(bigscience), "docx", "x", edited, with_metadata=False).ok
    check = check_output(Document(bigscience), "docx", "x", edited)
    assert check.metadata == (("language", "en", "de"),)


# --- Markdown whose front matter cannot be read ---------------------------------------------------------


def with_front_matter(data: bytes, front: bytes) -> bytes:
    _old, body = data.split(b"\n---\n", 1)
    return b"---\n" + front + b"\n---\n" + body


@pytest.mark.parametrize("change, reason", [
    (lambda md: with_front_matter(md, b"- a list\n- of things"), "its front matter is a list, not a mapping of fields"),
    (lambda md: with_front_matter(md, b"just words"), "its front matter is text, not a mapping of fields"),
    (lambda md: with_front_matter(md, b'title: "unclosed\nlang: en'),
     "its front matter is not valid YAML (found unexpected end of stream, line 3, column 9)"),
    (lambda md: md.replace(b"title:", b"title: [unclosed", 1),
     "its front matter is not valid YAML (did not find expected ',' or ']', line 3, column 12)"),
    (lambda md: with_front_matter(md, b"title: [a, b]"), "its front matter's title is a list, not text"),
    (lambda md: with_front_matter(md, b"keywords: [[a], b]"), "its front matter's keywords is a list, not text"),
    (lambda md: b"\xff\xfe" + md, "it is not UTF-8 text (byte 0xff at offset 0)"),
    (lambda md: md.replace("€".encode(), b"\xff", 1), None),  # in the body: read_text says so
])
def test_unreadable_markdown_is_a_verification_error(aurora, aurora_outputs, change, reason):
    data = change(aurora_outputs["md"])
    if reason is None:
        reason = f"it is not UTF-8 text (byte 0xff at offset {data.index(bytes([0xFF]))})"
    message = f"cannot be read as Markdown: {reason}"
    with pytest.raises(VerificationError) as caught:
        FORMATS["md"].writer().read_metadata(data) if "front matter" in reason else FORMATS["md"].writer().read_text(data)
    assert caught.value.message == message and caught.value.exit_code == 6
    [check] = check_outputs(Document(aurora), {"md": ("x.md", data)})
    assert check.describe() == f"x.md: {message}"


def test_an_alias_bomb_in_the_front_matter_is_refused_quickly(aurora_outputs):
    """Front matter is read as content is (yamlfile.py): an alias is refused, never expanded."""
    # Nine levels of ten aliases: 10^9 items if anything expanded or printed them.
    levels = [b"a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [b"a%d: &a%d [%s]" % (i, i, b", ".join([b"*a%d" % (i - 1)] * 10)) for i in range(1, 10)]
    data = with_front_matter(aurora_outputs["md"], b"\n".join(levels) + b"\ntitle: *a9")
    with pytest.raises(VerificationError) as caught:
        FORMATS["md"].writer().read_metadata(data)
    assert caught.value.message == ("cannot be read as Markdown: its front matter is not valid YAML (YAML alias *a0 "
                                    "is not supported; write the value out, line 3, column 10)")
