"""The only way from a fact sheet to a file: data: URLs, and regular files inside the theme folders read
through the door (files.py); WeasyPrint itself opens nothing."""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ... import files
from ...templating import MAX_THEME_FILE_BYTES

LOGGER = logging.getLogger("dossier.pdf")

_fetcher_class = None


def make_fetcher(folders: list[Path], label: str = "fact sheet"):
    """The allow-list fetcher for one render: data: URLs and files inside `folders` only."""
    global _fetcher_class
    if _fetcher_class is None:
        import weasyprint.urls

        _fetcher_class = _define_fetcher(weasyprint.urls.URLFetcher)
    return _fetcher_class(folders, label)


def _define_fetcher(base):
    class TemplateFolderFetcher(base):
        """Fetches data: URLs and regular files inside the template folders; refuses anything else.

        WeasyPrint resolves every URL (after any <base href>) before fetching, and uses this
        one fetcher for the HTML, every stylesheet, @import, @font-face, images, SVG and
        attachments, so this is the single gate between a template and the machine.
        """

        def __init__(self, folders: list[Path], label: str):
            # No network handler is ever reached: fetch() refuses http(s) before super() sees it.
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=5)
            self.folders = [folder.resolve() for folder in folders]
            self.label = label
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            from weasyprint.urls import URLFetcherResponse

            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if scheme != "file" or parts.netloc not in ("", "localhost"):
                self.refuse(url)
            # The door follows symbolic links and '..' to the real path, which must lie inside a template
            # folder, and reads regular files only (file:///dev/urandom would never end).
            path = Path(url2pathname(parts.path)).resolve()
            try:
                data = files.read(path, limit=MAX_THEME_FILE_BYTES, inside=self.folders)
            except files.Refused:
                self.refuse(url)
            # What urllib's file handler would say of it: WeasyPrint reads the type, and the URL resolves
            # what the file refers to in turn (a stylesheet's @import).
            kind = mimetypes.guess_type(path.name)[0] or "text/plain"
            return URLFetcherResponse(path.as_uri(), data, {"Content-Type": kind, "Content-Length": str(len(data))})

        def refuse(self, url: str) -> NoReturn:
            if url not in self.refused:
                self.refused.append(url)
                shown = url if len(url) <= 200 else url[:200] + "…"
                LOGGER.warning("%s: fact sheet: refused to load %s (only data: URLs and files inside "
                               "the template folders may be loaded)", self.label, shown)
            raise ValueError(f"refused: {url[:200]}")

    return TemplateFolderFetcher



def drop_attachments(laid_out, label: str) -> None:
    """A fact sheet embeds no files: drop <link rel=attachment> and <a rel=attachment> targets."""
    links = [link for page in laid_out.pages for link in page.links if link[0] == "attachment"]
    count = len(laid_out.metadata.attachments) + len(links)
    if count:
        LOGGER.warning("%s: fact sheet: dropped %d attachment(s): the fact sheet embeds no files", label, count)
        laid_out.metadata.attachments = []
        for page in laid_out.pages:
            page.links[:] = [link for link in page.links if link[0] != "attachment"]
