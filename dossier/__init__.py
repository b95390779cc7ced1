"""dossier: one YAML profile → a PDF fact sheet, a Word report and Markdown, each verified."""

__version__ = "0.1.0"
