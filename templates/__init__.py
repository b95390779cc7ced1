"""The default theme. This folder ships inside the wheel as the package `dossier.templates`
(mapped by pyproject.toml, not copied), so an installed dossier finds it with importlib.resources."""
