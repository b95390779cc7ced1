"""The Jinja environment: file-by-file override, StrictUndefined, template errors with file and line."""

from __future__ import annotations

import pytest

from dossier.errors import EnvironmentProblem, TemplateError
from dossier.templating import make_environment, render_template
from helpers import render


def test_user_folder_overrides_one_file_and_keeps_the_rest(tmp_path, bigscience):
    (tmp_path / "report.md.j2").write_text("# {{ name }} by {{ publisher.name }}\n")
    env = make_environment(tmp_path)
    assert render("md", bigscience, env) == b"# BigScience by Nextomoro\n"
    assert "factsheet.css" in env.list_templates()  # still the default theme's


def test_undefined_variable_names_template_file_and_line(tmp_path, bigscience):
    (tmp_path / "report.md.j2").write_text("# {{ name }}\n\n{{ no_such_thing }}\n")
    env = make_environment(tmp_path)
    with pytest.raises(TemplateError) as caught:
        render("md", bigscience, env)
    assert str(caught.value) == f"{tmp_path / 'report.md.j2'}:3: 'no_such_thing' is undefined"


def test_syntax_error_names_template_file_and_line(tmp_path, bigscience):
    (tmp_path / "report.md.j2").write_text("ok\n{% for x in %}\n")
    env = make_environment(tmp_path)
    with pytest.raises(TemplateError) as caught:
        render("md", bigscience, env)
    assert str(caught.value).startswith(f"{tmp_path / 'report.md.j2'}:2: template syntax error: ")


def test_missing_template_folder_is_a_usage_error(tmp_path):
    with pytest.raises(EnvironmentProblem, match="does not exist"):
        make_environment(tmp_path / "nowhere")


def test_a_missing_template_names_the_template_that_asked_for_it(tmp_path, bigscience):
    (tmp_path / "report.md.j2").write_text("# {{ name }}\n{% include 'parts/nope.md.j2' %}\n")
    with pytest.raises(TemplateError) as caught:
        render("md", bigscience, make_environment(tmp_path))
    assert str(caught.value).startswith(f"{tmp_path / 'report.md.j2'}:2: template 'parts/nope.md.j2' not found in ")
    with pytest.raises(TemplateError, match="^template 'no-such-template.j2' not found in "):
        render_template(make_environment(), "no-such-template.j2", {})


def test_every_theme_runs_in_the_immutable_sandbox(tmp_path):
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    assert isinstance(make_environment(), ImmutableSandboxedEnvironment)  # the default theme too
    assert isinstance(make_environment(tmp_path), ImmutableSandboxedEnvironment)
