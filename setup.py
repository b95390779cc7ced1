"""Packages are found, not listed: every package under dossier/, and the default theme.

templates/ is the default theme at the top level of the project; the wheel carries it as the
package dossier.templates, mapped at build time (pyproject.toml's [tool.setuptools] cannot both
find packages and add a mapped one). Everything else is declared in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["dossier", "dossier.*"]), "dossier.templates"],
    package_dir={"dossier.templates": "templates"},
)
