"""Loading content: the typed model, and errors that name file, line, column and key path."""

from __future__ import annotations

import dataclasses

import pytest

from dossier.content import load_profile
from dossier.errors import ContentError
from helpers import MINIMAL


def errors_of(path, **kwargs) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_profile(path, **kwargs)
    return caught.value.problems


def test_bigscience_loads_into_a_frozen_model(bigscience):
    assert bigscience.name == "BigScience"
    assert [s.title for s in bigscience.sections] == [
        "Origins", "Mission and strategy", "Models and products", "Benchmarks and standing", "Leadership",
        "Funding and backers", "Industry position", "Competitive landscape", "Outlook"]
    assert [bigscience.facts[i].label for i in bigscience.at_a_glance] == [
        "Founded", "Status", "Funding", "CEO", "Other notable leadership", "Open weights", "Flagship outputs"]
    assert bigscience.sources == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        bigscience.name = "Other"
    with pytest.raises(TypeError):
        bigscience.facts["params"] = None


def test_minimal_profile_loads(write_yaml):
    profile = load_profile(write_yaml(MINIMAL))
    assert profile.facts["size"].value == "12 units"
    assert profile.date.isoformat() == "2025-01-01"
    assert profile.as_of == "2025-01"  # how it reads is i18n's business (format_as_of)


def test_wrong_type_names_line_column_and_key_path(write_yaml):
    path = write_yaml(MINIMAL.replace("    value: 12 units", "    value: [12, units]"))
    assert errors_of(path) == [f"{path}:12:12: facts.size.value: expected a string, got a list"]


def test_all_problems_of_a_file_are_reported_together(write_yaml):
    text = MINIMAL.replace("name: Demo\n", "").replace("language: en", "language: 42")
    path = write_yaml(text)
    assert errors_of(path) == [
        f"{path}:1:1: (top level): missing required key 'name'",
        f"{path}:4:11: language: expected a string, got a number 42",
    ]


def test_missing_required_key_in_a_nested_mapping(write_yaml):
    path = write_yaml(MINIMAL.replace("    label: Staff\n", ""))
    assert errors_of(path) == [f"{path}:14:5: facts.staff: missing required key 'label'"]


def test_unknown_key_is_a_warning_and_an_error_under_strict(write_yaml):
    path = write_yaml(MINIMAL.replace("language: en", "language: en\ncolour: blue"))
    warnings: list[str] = []
    load_profile(path, warn=warnings.append)
    expected = f"{path}:6:1: colour: unknown key 'colour' (expected one of: "
    assert len(warnings) == 1 and warnings[0].startswith(expected)
    assert errors_of(path, strict=True)[0].endswith("(an error under --strict)")


def test_unknown_fact_reference_names_the_field_line(write_yaml):
    path = write_yaml(MINIMAL.replace("It began in [[city]].", "It began in [[town]]."))
    assert errors_of(path) == [f"{path}:24:9: sections[0].blocks[0]: unknown fact 'town' in '[[town]]'"]


def test_unknown_form_and_malformed_reference(write_yaml):
    path = write_yaml(MINIMAL.replace("with [[size]].", "with [[size.adj]] and [[Size]]."))
    assert errors_of(path) == [
        f"{path}:3:14: description: fact 'size' has no form 'adj' (forms: none)",
        f"{path}:3:14: description: malformed fact reference '[[Size]]': expected [[id]] or [[id.form]]",
    ]


def test_reference_loop_is_an_error(write_yaml):
    text = MINIMAL.replace("value: Oslo", "value: near [[staff]]").replace('value: "40"', "value: '[[city]]'")
    path = write_yaml(text)
    assert errors_of(path) == [f"{path}:15:12: facts.staff.value: fact references loop: staff -> city -> staff"]


def test_duplicate_key_is_an_error_not_silently_dropped(write_yaml):
    path = write_yaml(MINIMAL.replace("name: Demo\n", "name: Demo\nname: Other\n"))
    assert errors_of(path) == [f"{path}:3:1: name: duplicate key 'name' (first defined at line 2)"]


def test_yaml_syntax_error(write_yaml):
    path = write_yaml(MINIMAL.replace("lead: The lead.", "lead: [unclosed"))
    # libyaml's wording; the pure-Python parser says "expected ',' or ']', but got ':'".
    [problem] = errors_of(path)
    assert problem.startswith(f"{path}:5:9: (file): YAML syntax error: ")
    assert problem.endswith("',' or ']' (parsing a flow sequence that starts at line 4, column 7)")


def test_empty_file(write_yaml):
    path = write_yaml("# nothing here\n")
    assert errors_of(path) == [f"{path}:1:1: (file): the file is empty; expected a profile mapping"]


def test_not_utf8(write_yaml):
    path = write_yaml(MINIMAL.encode() + b"extra: caf\xe9\n")
    assert errors_of(path) == [f"{path}:25:11: (file): not UTF-8 text (byte 0xe9)"]


def test_python_tags_are_refused_not_constructed(write_yaml):
    path = write_yaml(MINIMAL.replace("name: Demo", "name: !!python/object/apply:os.system ['true']"))
    problems = errors_of(path)
    assert problems[0] == (f"{path}:2:7: name: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' "
                           "is not allowed; content is plain data")


def test_alias_bomb_is_refused(write_yaml):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    problems = errors_of(write_yaml(bomb))
    assert problems[0].endswith(":2:8: b[0]: YAML alias *a is not supported; write the value out")


def test_slug_that_would_leave_the_output_folder(write_yaml):
    path = write_yaml(MINIMAL.replace("slug: demo", "slug: ../escape"))
    [problem] = errors_of(path)
    assert problem.startswith(f"{path}:1:7: slug: expected lower-case letters, digits and single hyphens")


def test_key_figures_must_name_known_facts(write_yaml):
    path = write_yaml(MINIMAL.replace("key_figures: [size, staff, city]", "key_figures: [size, staff, nope]"))
    assert errors_of(path) == [f"{path}:20:28: key_figures[2]: unknown fact 'nope' (known: size, staff, city)"]


# ------------------------------------------------------------ links and images in prose


LINK_RULE = "is not allowed: links may point to http(s):, mailto: or #anchors only"


def test_links_in_prose_point_only_at_http_mailto_or_anchors(write_yaml):
    text = (MINIMAL.replace("A demo subject with [[size]].", "See [the code](javascript:alert(1)) of [[size]].")
            .replace("      - It began in [[city]].", "      - It began in [[city]].\n"
                     "      - list:\n"
                     "          - '[a file](file:///etc/passwd) and [a page](data:text/html,hi)'\n"
                     "          - '[fine](https://example.org), [also](mailto:a@example.org), [too](#story)'"))
    path = write_yaml(text)
    assert errors_of(path) == [
        f"{path}:3:14: description: link to 'javascript:alert(1)' {LINK_RULE}",
        f"{path}:26:13: sections[0].blocks[1].list[0]: link to 'file:///etc/passwd' {LINK_RULE}",
        f"{path}:26:13: sections[0].blocks[1].list[0]: link to 'data:text/html,hi' {LINK_RULE}",
    ]


def test_images_in_prose_are_refused_naming_the_address(write_yaml):
    path = write_yaml(MINIMAL.replace("lead: The lead.", "lead: Hello ![](https://tracker.example/p.gif?id=42)"))
    assert errors_of(path) == [
        f"{path}:4:7: lead: images are not supported in prose (an image at 'https://tracker.example/p.gif?id=42')"]


def test_a_long_address_is_shortened(write_yaml):
    path = write_yaml(MINIMAL.replace("lead: The lead.", "lead: '[x](data:text/html;base64," + "A" * 300 + ")'"))
    [problem] = errors_of(path)
    assert problem == f"{path}:4:7: lead: link to 'data:text/html;base64,{'A' * 55}...' {LINK_RULE}"


def test_an_address_in_angle_brackets_gets_a_hint(write_yaml):
    path = write_yaml(MINIMAL.replace("lead: The lead.", "lead: '[x](<https://example.org>)'"))
    assert errors_of(path) == [
        f"{path}:4:7: lead: link to '<https://example.org>' is not allowed: write the address without angle brackets"]


def test_prose_is_checked_with_its_fact_references_replaced(write_yaml):
    text = MINIMAL.replace("lead: The lead.", "lead: '[Visit]([[site]])'").replace(
        "at_a_glance:", "  site:\n    label: Site\n    value: 'javascript:alert(1)'\nat_a_glance:")
    path = write_yaml(text)
    assert errors_of(path) == [f"{path}:4:7: lead: link to 'javascript:alert(1)' {LINK_RULE}"]
    path = write_yaml(text.replace("'javascript:alert(1)'", "https://example.org/demo"))
    assert load_profile(path).lead == "[Visit]([[site]])"


def test_fact_values_are_plain_text_so_link_syntax_in_them_is_just_text(write_yaml):
    path = write_yaml(MINIMAL.replace("value: Oslo", "value: '[Oslo](javascript:alert(1))'"))
    assert load_profile(path).facts["city"].value == "[Oslo](javascript:alert(1))"


def test_entries_role_and_text_are_prose_too(write_yaml):
    path = write_yaml(MINIMAL.replace("      - It began in [[city]].", (
        "      - people:\n"
        "          - name: Ada\n"
        "            role: '[Chair](file:///etc/passwd)'\n"
        "            text: '![me](https://example.org/me.png)'")))
    assert errors_of(path) == [
        f"{path}:26:19: sections[0].blocks[0].people[0].role: link to 'file:///etc/passwd' {LINK_RULE}",
        (f"{path}:27:19: sections[0].blocks[0].people[0].text: images are not supported in prose "
         "(an image at 'https://example.org/me.png')"),
    ]
