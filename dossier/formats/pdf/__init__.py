"""The PDF fact sheet: factsheet.py lays it out, fit.py keeps it to one page, textlayer.py gives it a true
text layer, fetcher.py guards every file it loads, pictures.py draws the report's pictures with the same
engine, reader.py reads it back."""

from .factsheet import prepare, render
from .reader import read_metadata, read_text

__all__ = ["prepare", "read_metadata", "read_text", "render"]
