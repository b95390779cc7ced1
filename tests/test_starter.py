"""`dossier new`: a valid, commented starter profile with every kind of block, never over an existing one."""

from __future__ import annotations

import pytest

from dossier.cli import main
from dossier.content import load_profile, schema_text

BLOCK_KINDS = {"paragraph", "list", "products", "people", "organisations"}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty folder, the current one (resolved: messages name resolved paths)."""
    root = tmp_path.resolve()
    monkeypatch.chdir(root)
    return root


def files_in(root):
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def block_kinds(profile_data: dict) -> set[str]:
    kinds = set()
    for section in profile_data["sections"]:
        for block in section["blocks"]:
            kinds.add("paragraph" if isinstance(block, str) else next(iter(block)))
    return kinds


def test_new_in_an_empty_folder_writes_project_file_schema_and_profile(folder, capsys):
    assert main(["new", "acme-lab"]) == 0
    assert capsys.readouterr().out == (f"wrote {folder / 'dossier.toml'}\nwrote {folder / 'dossier-schema.json'}\n"
                                       f"wrote {folder / 'content' / 'acme-lab.yaml'}\n")
    assert files_in(folder) == ["content/acme-lab.yaml", "dossier-schema.json", "dossier.toml"]
    assert (folder / "dossier-schema.json").read_text(encoding="utf-8") == schema_text()


def test_the_starter_profile_is_valid_without_warnings_and_has_every_block_kind(folder):
    import yaml

    assert main(["new", "acme-lab"]) == 0
    path = folder / "content" / "acme-lab.yaml"
    text = path.read_text(encoding="utf-8")
    warnings = []
    profile = load_profile(path, strict=True, warn=warnings.append)
    assert warnings == []
    assert (profile.slug, profile.name) == ("acme-lab", "Acme Lab")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../dossier-schema.json"
    assert "INVENTED" in text and "fictional" in text  # says what it is
    assert sum(1 for line in text.splitlines() if line.lstrip().startswith("#")) >= 5  # commented
    assert block_kinds(yaml.safe_load(text)) == BLOCK_KINDS


def test_new_refuses_to_overwrite_and_writes_nothing(folder, capsys):
    assert main(["new", "acme-lab"]) == 0
    profile = folder / "content" / "acme-lab.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "# my edits\n", encoding="utf-8")
    before = {name: (folder / name).read_bytes() for name in files_in(folder)}
    capsys.readouterr()
    assert main(["new", "acme-lab"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {profile} already exists; dossier new never overwrites a profile\n"
    assert captured.out == ""
    assert {name: (folder / name).read_bytes() for name in files_in(folder)} == before


@pytest.mark.parametrize("slug", ["Acme_Lab", "acme lab", "acme--lab", "-acme", "../evil", "con", "a" * 65, ""])
def test_an_invalid_slug_is_refused_saying_what_a_slug_is(folder, capsys, slug):
    assert main(["new", "--", slug]) == 2  # --: "-acme" is a slug here, not an option
    assert capsys.readouterr().err == (
        f"error: cannot make a profile called {slug!r}: a slug is lower-case letters, digits and single hyphens "
        "(it names the output folder and files), at most 64 characters, and not a name Windows reserves "
        "(con, nul, …)\n")
    assert files_in(folder) == []


def test_then_build_makes_the_three_outputs(folder, capsys):
    assert main(["new", "acme-lab"]) == 0
    capsys.readouterr()
    assert main(["build", "--jobs", "1"]) == 0
    assert sorted(p.name for p in (folder / "output" / "acme-lab").iterdir()) == [
        "acme-lab-factsheet.pdf", "acme-lab-report.docx", "acme-lab.md"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("built 1, skipped 0, failed 0, in ")
    assert main(["check"]) == 0


def test_new_in_a_project_writes_into_its_content_folder_and_keeps_its_project_file(folder, monkeypatch, capsys):
    (folder / "dossier.toml").write_text('content = "profiles"\npaper = "letter"\n', encoding="utf-8")
    (folder / "dossier-schema.json").write_text("{}", encoding="utf-8")  # the user's: not replaced
    below = folder / "notes"
    below.mkdir()
    monkeypatch.chdir(below)
    assert main(["new", "second-lab"]) == 0
    assert capsys.readouterr().out == f"wrote {folder / 'profiles' / 'second-lab.yaml'}\n"
    assert (folder / "dossier.toml").read_text(encoding="utf-8") == 'content = "profiles"\npaper = "letter"\n'
    assert (folder / "dossier-schema.json").read_text(encoding="utf-8") == "{}"
    text = (folder / "profiles" / "second-lab.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../dossier-schema.json\n")


def test_new_with_a_content_folder_of_ones_own_names_it_in_the_project_file(folder, capsys):
    assert main(["new", "third-lab", "--content", "drafts/labs"]) == 0
    path = folder / "drafts" / "labs" / "third-lab.yaml"
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../../dossier-schema.json\n")
    load_profile(path, strict=True)
    assert 'content = "drafts/labs"' in (folder / "dossier.toml").read_text(encoding="utf-8")
    assert main(["build", "--format", "md", "-q"]) == 0  # finds the profile where it was written
    assert (folder / "output" / "third-lab" / "third-lab.md").is_file()

