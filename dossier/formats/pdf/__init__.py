"""The PDF fact sheet: factsheet.py lays it out, fit.py keeps it to one page, fetcher.py guards every file
it loads, reader.py reads it back."""

from .factsheet import companions, render
from .reader import read_metadata, read_text

__all__ = ["companions", "read_metadata", "read_text", "render"]
