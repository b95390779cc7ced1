"""The version, in a module of its own: nothing imports back from the package root."""

__version__ = "0.1.0"
GENERATOR = f"dossier {__version__}"
