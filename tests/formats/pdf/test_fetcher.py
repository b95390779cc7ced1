"""Rendering hostile templates and content: no file outside the template folders, no network, no attachments."""

from __future__ import annotations

import dataclasses
import http.server
import io
import logging
import struct
import threading
import zlib
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium
import pytest
import yaml

from dossier.content import load_profile
from dossier.formats import pdf
from dossier.formats.pdf.fetcher import make_fetcher
from dossier.templating import make_environment
from helpers import AURORA, pdf_source, render

SECRET = "SECRET-7f3a9c-NOT-FOR-THE-PDF"


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class CountingServer:
    """An HTTP server on 127.0.0.1 that counts requests; it runs only while the test does."""

    def __init__(self):
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = png()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server():
    with CountingServer() as running:
        yield running


@pytest.fixture
def places(tmp_path):
    """A user template folder with an image of its own, and secrets outside it (one linked from inside)."""
    theme, outside = tmp_path / "theme", tmp_path / "outside"
    theme.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (outside / "secret.css").write_text(f"/* {SECRET} */ h1 {{ color: red; }}", encoding="utf-8")
    (outside / "secret.png").write_bytes(png(3, 3) + SECRET.encode())
    (outside / "secret.ttf").write_bytes(SECRET.encode())
    (theme / "logo.png").write_bytes(png())
    (theme / "link.png").symlink_to(outside / "secret.png")
    return {"theme": theme, "outside": outside}


HOSTILE_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ metadata.language }}"><head><meta charset="utf-8"><title>{{ metadata.title }}</title>
<base href="SERVER/base/">
<link rel="stylesheet" href="OUTSIDE/secret.css">
<link rel="stylesheet" href="SERVER/style.css">
<link rel="attachment" href="OUTSIDE/secret.txt" title="secret">
<link rel="attachment" href="THEME/logo.png" title="inside, but still an attachment">
<style>
@import url("OUTSIDE/secret.css");
@import url("SERVER/import.css");
@font-face { font-family: Evil; src: url("OUTSIDE/secret.ttf"); }
body { background: url("OUTSIDE/secret.png"); }
h1 { font-family: Evil, sans-serif; background-image: url("SERVER/background.png"); }
@page { size: {{ paper }}; }
html { font-size: {{ font_size }}pt; }
</style></head>
<body>
<h1 data-block="masthead">{{ name }}</h1>
<img src="THEME/logo.png" alt="our logo, inside the template folder">
<img src="OUTSIDE/secret.png" alt="absolute file URL">
<img src="passwd" alt="relative, resolved against the base">
<img src="file:///dev/urandom" alt="a device that never ends">
<img src="THEME/../outside/secret.png" alt="dot-dot out of the folder">
<img src="THEME/%2e%2e/outside/secret.png" alt="encoded dot-dot">
<img src="THEME/link.png" alt="a link out of the folder">
<object data="OUTSIDE/secret.png">object</object>
<embed src="SERVER/embed.png">
<a rel="attachment" href="OUTSIDE/secret.txt">attached</a>
<a rel="attachment" href="THEME/logo.png">attached logo</a>
<svg width="10" height="10"><image href="OUTSIDE/secret.png" width="10" height="10"/></svg>
<iframe src="OUTSIDE/secret.txt"></iframe>
<p data-block="summary">{{ lead|html }}</p>
</body></html>
"""


def hostile_profile(tmp_path, server, outside: Path):
    """Content with images, which load_profile refuses: made past it, to show the renderer fetches none either."""
    data = yaml.safe_load(AURORA.read_text(encoding="utf-8"))
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    lead = (f"An image ![secret]({outside.as_uri()}/secret.png), raw HTML "
            f"<img src=\"{outside.as_uri()}/secret.png\"> and a remote ![pixel]({server.url}/pixel.png).")
    return dataclasses.replace(load_profile(path), lead=lead)


def test_hostile_template_and_content_read_nothing_outside_the_template_folder(tmp_path, server, places, caplog):
    theme, outside = places["theme"], places["outside"]
    template = (HOSTILE_TEMPLATE.replace("SERVER", server.url)
                .replace("OUTSIDE", outside.as_uri()).replace("THEME", theme.as_uri()))
    (theme / "factsheet.html.j2").write_text(template, encoding="utf-8")
    profile = hostile_profile(tmp_path, server, outside)

    with caplog.at_level(logging.WARNING, logger="dossier.pdf"):
        data = render("pdf", profile, make_environment(theme))

    assert server.requests == []
    document = pypdfium2.PdfDocument(io.BytesIO(data))
    assert len(document) == 1 and document.count_attachments() == 0
    source = pdf_source(data)
    assert SECRET.encode() not in source and SECRET not in pdf.read_text(data)
    assert b"/EmbeddedFiles" not in source and b"/FileAttachment" not in source
    images = list(document[0].get_objects(filter=(pdfium.FPDF_PAGEOBJ_IMAGE,)))
    assert len(images) == 1  # the logo inside the template folder, and nothing else

    refused = {record.args[1] for record in caplog.records if record.getMessage().split(": ")[1:2] == ["fact sheet"]
               and "refused to load" in record.getMessage()}
    secret_png = f"{outside.as_uri()}/secret.png"
    assert refused >= {
        f"{outside.as_uri()}/secret.css", f"{server.url}/style.css", f"{server.url}/import.css",
        f"{outside.as_uri()}/secret.ttf", secret_png, f"{server.url}/background.png",
        f"{server.url}/base/passwd", "file:///dev/urandom", f"{theme.as_uri()}/../outside/secret.png",
        f"{theme.as_uri()}/%2e%2e/outside/secret.png", f"{theme.as_uri()}/link.png",
        f"{server.url}/embed.png"}
    assert f"{server.url}/pixel.png" not in refused  # a content image is shown as its alt text, never fetched
    assert not any(url.startswith(theme.as_uri()) and url.endswith("logo.png") for url in refused)
    assert f"{profile.source}: fact sheet: dropped 4 attachment(s): the fact sheet embeds no files" in caplog.messages


@pytest.mark.parametrize("url, allowed", [
    ("THEME/logo.png", True),
    ("file://localhost/THEMEPATH/logo.png", True),
    ("THEME/logo.png?x=1#top", True),
    ("data:text/plain,hello", True),
    ("OUTSIDE/secret.txt", False),
    ("THEME/../outside/secret.txt", False),
    ("THEME/%2E%2E/outside/secret.txt", False),
    ("THEME/link.png", False),                     # a symbolic link out of the folder
    ("THEME", False),                              # the folder itself is not a file
    ("THEME/missing.png", False),
    ("file:///dev/zero", False),
    ("file://example.org/THEMEPATH/logo.png", False),  # a file on another host
    ("http://127.0.0.1:9/logo.png", False),
    ("https://example.org/logo.png", False),
    ("ftp://example.org/logo.png", False),
])
def test_the_fetcher_allows_only_data_urls_and_regular_files_in_the_folder(places, url, allowed):
    theme, outside = places["theme"], places["outside"]
    url = (url.replace("THEMEPATH", str(theme).lstrip("/")).replace("THEME", theme.as_uri())
           .replace("OUTSIDE", outside.as_uri()))
    fetcher = make_fetcher([theme])
    if allowed:
        response = fetcher.fetch(url)
        try:
            assert response.read()
        finally:
            response.close()
    else:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
        assert fetcher.refused == [url]


def test_each_refusal_is_logged_once_naming_the_url(places, caplog):
    fetcher = make_fetcher([places["theme"]], label="x.yaml")
    with caplog.at_level(logging.WARNING, logger="dossier.pdf"):
        for _ in range(3):  # the same URL in every layout of the shrink search
            with pytest.raises(ValueError):
                fetcher.fetch("file:///etc/passwd")
    assert caplog.messages == ["x.yaml: fact sheet: refused to load file:///etc/passwd (only data: URLs and "
                               "files inside the template folders may be loaded)"]
