"""The only way from a fact sheet to a file: data: URLs and regular files inside the theme folders."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit
from urllib.request import url2pathname

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
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            path = self.allowed_path(url) if scheme == "file" else None
            if path is None:
                self.refuse(url)
            return super().fetch(path.as_uri(), headers)

        def allowed_path(self, url: str) -> Path | None:
            """The regular file a file: URL names, if it lies inside a template folder."""
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return None
            # resolve() follows symbolic links and '..', so a link out of the folder is caught;
            # is_file() refuses devices and pipes (file:///dev/urandom would never end).
            path = Path(url2pathname(parts.path)).resolve()
            inside = any(path.is_relative_to(folder) for folder in self.folders)
            return path if inside and path.is_file() else None

        def refuse(self, url: str) -> NoReturn:
            if url not in self.refused:
                self.refused.append(url)
                shown = url if len(url) <= 200 else url[:200] + "…"
                LOGGER.warning("%s: fact sheet: refused to load %s (only data: URLs and files inside "
                               "the template folders may be loaded)", self.label, shown)
            raise ValueError(f"refused: {url[:200]}")

    return TemplateFolderFetcher



def drop_attachments(document, label: str) -> None:
    """A fact sheet embeds no files: drop <link rel=attachment> and <a rel=attachment> targets."""
    links = [link for page in document.pages for link in page.links if link[0] == "attachment"]
    count = len(document.metadata.attachments) + len(links)
    if count:
        LOGGER.warning("%s: fact sheet: dropped %d attachment(s): the fact sheet embeds no files", label, count)
        document.metadata.attachments = []
        for page in document.pages:
            page.links[:] = [link for link in page.links if link[0] != "attachment"]
