"""The Jinja environment: file-by-file override, StrictUndefined, template errors with file and line."""

from __future__ import annotations

import pytest

from dossier.errors import EnvironmentProblem, TemplateError
from dossier.formats import RenderOptions, markdown
from dossier.templating import make_environment, render_template


def test_user_folder_overrides_one_file_and_keeps_the_rest(tmp_path, bigscience):
    (tmp_path / "report.md.j2").write_text("# {{ name }} by {{ publisher.name }}\n")
    env = make_environment(tmp_path)
    assert markdown.render(bigscience, env, RenderOptions()) == b"# BigScience by Nextomoro\n"
    assert "factsheet.css" in env.list_templates()  # still the default theme's


def test_undefined_variable_names_template_file_and_line(tmp_path, bigscience):
    (tmp_path / "report.md.j2").write_text("# {{ name }}\n\n{{ no_such_thing }}\n")
    env = make_environment(tmp_path)
    with pytest.raises(TemplateError) as caught:
        markdown.render(bigscience, env, RenderOptions())
    assert str(caught.value) == f"{tmp_path / 'report.md.j2'}:3: 'no_such_thing' is undefined"


def test_syntax_error_names_template_file_and_line(tmp_path, bigscience):
    (tmp_path / "report.md.j2").write_text("ok\n{% for x in %}\n")
    env = make_environment(tmp_path)
    with pytest.raises(TemplateError) as caught:
        markdown.render(bigscience, env, RenderOptions())
    assert str(caught.value).startswith(f"{tmp_path / 'report.md.j2'}:2: template syntax error: ")


def test_missing_template_folder_is_a_usage_error(tmp_path):
    with pytest.raises(EnvironmentProblem, match="does not exist"):
        make_environment(tmp_path / "nowhere")


def test_content_is_never_evaluated_as_a_template(env):
    context = {"value": "{{ 6*7 }}"}
    env2 = env.overlay()
    template = env2.from_string("{{ value }}")
    assert template.render(context) == "{{ 6*7 }}"
    with pytest.raises(TemplateError):
        render_template(env, "no-such-template.j2", {})
