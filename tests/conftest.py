"""Shared fixtures: paths, a Jinja environment, and BigScience built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dossier.content import load_profile
from dossier.templating import make_environment
from helpers import AURORA, BIGSCIENCE, render_all


@pytest.fixture(scope="session")
def env():
    return make_environment()


@pytest.fixture(scope="session")
def bigscience():
    return load_profile(BIGSCIENCE)


@pytest.fixture(scope="session")
def aurora():
    return load_profile(AURORA)


@pytest.fixture(scope="session")
def bigscience_outputs(bigscience, env):
    """{format: bytes} for BigScience, rendered once for the whole test session."""
    return render_all(bigscience, env)


@pytest.fixture(scope="session")
def aurora_outputs(aurora, env):
    return render_all(aurora, env)


@pytest.fixture
def write_yaml(tmp_path):
    """Write a content file into tmp_path and return its path."""

    def write(text: str | bytes, name: str = "case.yaml") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def aurora_copy(tmp_path):
    """A writable copy of the Aurora fixture."""
    target = tmp_path / "aurora.yaml"
    shutil.copy(AURORA, target)
    return target
