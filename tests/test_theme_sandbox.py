"""User themes run in Jinja's sandbox: no Python internals, no files outside the theme folders, no changes to data."""

from __future__ import annotations

import jinja2
import pytest

from dossier.document import Document
from dossier.errors import TemplateError
from dossier.formats.pdf.factsheet import template_context
from dossier.templating import Theme, make_environment, render_template, template_folders
from helpers import render

SECRET = "SECRET-51c0ffee-NOT-FOR-THE-REPORT"
SANDBOX = ("(themes run in a sandbox: no Python internals, no files outside the theme folders, "
           "no changes to the data they are given)")


@pytest.fixture
def places(tmp_path):
    """A user theme folder and, beside it, a folder of secrets (a file, a template, a folder) it links to."""
    theme, outside = tmp_path / "theme", tmp_path / "outside"
    theme.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (outside / "secret.md.j2").write_text(f"{{% macro shown() %}}{SECRET}{{% endmacro %}}{SECRET}\n",
                                          encoding="utf-8")
    (theme / "linked-secret.txt").symlink_to(outside / "secret.txt")
    (theme / "linked-secret.md.j2").symlink_to(outside / "secret.md.j2")
    (theme / "linked-folder").symlink_to(outside)
    return {"theme": theme, "outside": outside}


def refusal(theme, template: str, profile) -> str:
    """The error text of rendering the report with `template` as the theme's report.md.j2."""
    (theme / "report.md.j2").write_text(template + "\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        render("md", profile, make_environment(theme))
    assert caught.value.exit_code == 4
    assert SECRET not in str(caught.value)
    return str(caught.value)


# --- attribute walks to Python's internals ----------------------------------------------------------


@pytest.mark.parametrize("payload, reached", [
    ("{{ cycler.__init__.__globals__.os.popen('touch RAN').read() }}", "attribute '__init__' of a type object"),
    ("{{ lipsum.__globals__['os'].popen('touch RAN').read() }}", "attribute '__globals__' of a function object"),
    ("{{ joiner.__init__.__globals__.__builtins__['__import__']('os').system('touch RAN') }}",
     "attribute '__init__' of a type object"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "attribute '__class__' of a str object"),
    ("{{ self.__init__.__globals__ }}", "attribute '__init__' of a TemplateReference object"),
    ("{{ lipsum.__globals__ }}", "attribute '__globals__' of a function object"),
    ("{{ name|attr('__class__') }}", "attribute '__class__' of a str object"),
    ("{{ '{0.__class__.__mro__}'.format(name) }}", "attribute '__class__' of a str object"),
    # Through the attr filter: the shape of CVE-2025-27516, fixed in Jinja 3.1.6.
    ("{{ ('{0.__class__.__mro__}'|attr('format'))(name) }}", "attribute '__class__' of a str object"),
])
def test_an_attribute_walk_to_python_internals_is_refused_and_runs_nothing(places, aurora, payload, reached):
    theme = places["theme"]
    ran = theme.parent / "ran"
    message = refusal(theme, "# {{ name }}\n" + payload.replace("RAN", str(ran)), aurora)
    assert message == f"{theme / 'report.md.j2'}:2: the theme tried to reach something it may not: {reached} {SANDBOX}"
    assert not ran.exists()


# --- files outside the theme folders ------------------------------------------------------------------


@pytest.mark.parametrize("template, refused", [
    ("{% include '../../../etc/passwd' %}", "template '../../../etc/passwd' names a file outside the theme folders"),
    ("{% include '/etc/passwd' %}", "template '/etc/passwd' names a file outside the theme folders"),
    ("{% include 'parts/../../outside/secret.txt' %}",
     "template 'parts/../../outside/secret.txt' names a file outside the theme folders"),
    ("{% import '../outside/secret.md.j2' as secret %}{{ secret.shown() }}",
     "template '../outside/secret.md.j2' names a file outside the theme folders"),
    ("{% from '../outside/secret.md.j2' import shown %}{{ shown() }}",
     "template '../outside/secret.md.j2' names a file outside the theme folders"),
    ("{% extends '../outside/secret.md.j2' %}", "template '../outside/secret.md.j2' names a file outside the theme folders"),
    ("{% include ['nope.j2', '../outside/secret.txt'] %}",
     "template '../outside/secret.txt' names a file outside the theme folders"),
])
def test_a_template_name_leading_out_of_the_theme_is_refused(places, aurora, template, refused):
    theme = places["theme"]
    message = refusal(theme, template, aurora)
    assert message == f"{theme / 'report.md.j2'}:1: the theme tried to reach something it may not: {refused} {SANDBOX}"


@pytest.mark.parametrize("template, name", [
    ("{% include 'linked-secret.txt' %}", "linked-secret.txt"),
    ("{% include 'linked-folder/secret.txt' %}", "linked-folder/secret.txt"),
    ("{% import 'linked-secret.md.j2' as secret %}{{ secret.shown() }}", "linked-secret.md.j2"),
    ("{% extends 'linked-secret.md.j2' %}", "linked-secret.md.j2"),
])
def test_a_link_out_of_the_theme_folder_is_refused_without_reading_it(places, aurora, template, name):
    theme = places["theme"]
    message = refusal(theme, "# {{ name }}\n" + template, aurora)
    assert message == (f"{theme / 'report.md.j2'}:2: the theme tried to reach something it may not: template "
                       f"{name!r} is a link to a file outside the theme folder {theme} {SANDBOX}")


def test_the_report_template_itself_may_not_be_a_link_out_of_the_theme(places, aurora):
    theme = places["theme"]
    (theme / "report.md.j2").symlink_to(places["outside"] / "secret.md.j2")
    with pytest.raises(TemplateError) as caught:
        render("md", aurora, make_environment(theme))
    assert str(caught.value) == ("report.md.j2: the theme tried to reach something it may not: template "
                                 f"'report.md.j2' is a link to a file outside the theme folder {theme} {SANDBOX}")


def test_a_link_that_stays_inside_the_theme_folder_works(places, aurora):
    theme = places["theme"]
    (theme / "parts").mkdir()
    (theme / "parts" / "title.md.j2").write_text("# {{ name }}\n", encoding="utf-8")
    (theme / "title.md.j2").symlink_to(theme / "parts" / "title.md.j2")
    (theme / "report.md.j2").write_text("{% include 'title.md.j2' %}", encoding="utf-8")
    assert render("md", aurora, make_environment(theme)) == b"# Aurora Lab\n"


def test_a_theme_read_for_workers_leaves_links_out_of_its_folder_behind(places):
    theme = places["theme"]
    (theme / "report.md.j2").write_text("# {{ name }}\n", encoding="utf-8")
    files = dict(Theme.read(theme).files)
    assert sorted(files) == ["report.md.j2"]  # the linked secrets would have travelled as theme files
    assert all(SECRET.encode() not in data for data in files.values())


# --- the data a theme is given -------------------------------------------------------------------------


@pytest.mark.parametrize("template, refused", [
    ("{% set _ = facts.append(facts[0]) %}",
     "calling 'append' would change a list the theme was given (copy it first: {% set mine = given|list %})"),
    ("{% set _ = metadata.update(title='Someone else') %}",
     "calling 'update' would change a dict the theme was given (copy it first: {% set mine = dict(given) %})"),
    ("{% set _ = publisher.clear() %}",
     "calling 'clear' would change a dict the theme was given (copy it first: {% set mine = dict(given) %})"),
    ("{% set shown = sections[0].blocks %}{% set _ = shown.pop() %}",
     "calling 'pop' would change a list the theme was given (copy it first: {% set mine = given|list %})"),
])
def test_a_theme_may_not_change_the_data_it_is_given(places, aurora, template, refused):
    theme = places["theme"]
    message = refusal(theme, template, aurora)
    assert message == f"{theme / 'report.md.j2'}:1: the theme tried to reach something it may not: {refused} {SANDBOX}"


def test_a_theme_may_fill_the_lists_and_dicts_it_makes(places, aurora):
    theme = places["theme"]
    (theme / "report.md.j2").write_text(
        "{% set mine = facts|list %}{% set _ = mine.append({'label': 'Extra'}) %}"
        "{% set meta = dict(metadata) %}{% set _ = meta.update(title='Copy') %}"
        "{% set words = [] %}{% for f in mine %}{% set _ = words.append(f.label) %}{% endfor %}"
        "{{ meta.title }} {{ metadata.title }} {{ words|length }} {{ facts|length }}\n", encoding="utf-8")
    assert render("md", aurora, make_environment(theme)) == f"Copy Aurora Lab {len(aurora.facts) + 1} {len(aurora.facts)}\n".encode()


def test_the_trusted_folders_cannot_be_extended_by_a_template(places, aurora):
    theme = places["theme"]
    env = make_environment(theme)
    (theme / "report.md.j2").write_text("{% set _ = template_folders.append('/') %}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="'tuple object' has no attribute 'append'"):
        render("md", aurora, env)
    assert template_folders(env)[-1].name == "templates"  # the default theme's, and nothing after it


def test_a_huge_range_is_a_template_error(places, aurora):
    theme = places["theme"]
    message = refusal(theme, "{% for i in range(10 ** 9) %}{% endfor %}", aurora)
    assert message.startswith(f"{theme / 'report.md.j2'}:1: OverflowError: Range too big.")


# --- the default theme ---------------------------------------------------------------------------------


def test_the_default_theme_renders_exactly_as_outside_the_sandbox(aurora, env):
    """The same report, fact sheet HTML and stylesheet as an unsandboxed Jinja environment with the same settings."""
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(env.globals["template_folders"]),
                               undefined=env.undefined, autoescape=env.autoescape,
                               keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    plain.filters.update(env.filters)
    plain.globals.update(env.globals)
    document = Document(aurora, env)
    factsheet = {**template_context(document, "a4"), "font_size": 10}
    for name, context in (("report.md.j2", document.context), ("factsheet.html.j2", factsheet),
                          ("factsheet.css", factsheet)):
        assert render_template(env, name, context) == plain.get_template(name).render(**context)


def test_a_link_pointed_out_of_the_theme_after_loading_is_refused_on_the_next_render(places, aurora):
    theme = places["theme"]
    (theme / "title.md.j2").write_text("# {{ name }}\n", encoding="utf-8")
    (theme / "title-link.md.j2").symlink_to(theme / "title.md.j2")
    (theme / "report.md.j2").write_text("{% include 'title-link.md.j2' %}", encoding="utf-8")
    env = make_environment(theme)  # kept between renders, as a long-running process keeps it
    assert render("md", aurora, env) == b"# Aurora Lab\n"
    (theme / "title-link.md.j2").unlink()
    (theme / "title-link.md.j2").symlink_to(places["outside"] / "secret.txt")
    with pytest.raises(TemplateError, match="template 'title-link.md.j2' is a link to a file outside the theme"):
        render("md", aurora, env)
