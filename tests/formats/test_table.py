"""The format table: every writer satisfies the one Writer protocol; unknown names list the known ones."""

from __future__ import annotations

import pytest

from dossier.errors import UsageError
from dossier.formats import FORMATS, Writer, get_format
from dossier.options import FORMAT_NAMES, OPTIONS


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_writer_satisfies_the_protocol(name):
    assert isinstance(FORMATS[name].writer(), Writer)


def test_the_table_and_the_formats_option_agree():
    assert tuple(FORMATS) == FORMAT_NAMES == OPTIONS["formats"].default


def test_an_unknown_format_lists_the_known_ones():
    with pytest.raises(UsageError, match=r"^unknown format 'html' \(known: pdf, docx, md\)$"):
        get_format("html")
