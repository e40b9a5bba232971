"""Web pages and feeds on loopback, for tests that fetch over a real socket: each path
answers as a test sets it (body, type, validators, redirects, gzip), and every request
is logged with its conditional headers."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The service's settings that let it fetch from this site (http, on loopback).
ALLOWED = {"allow_http_fetches": True, "allow_private_fetches": True}


@dataclass
class Page:
    """What a path answers: ``body`` with ``type``; an ``etag`` (answered 304 when the
    request's If-None-Match holds it); ``redirect`` (302 to it); ``status``; ``gzip``."""

    body: bytes = b""
    type: str = "text/html; charset=utf-8"
    etag: str | None = None
    redirect: str | None = None
    status: int = 200
    gzip: bool = False


@dataclass
class Site:
    """The pages served, by path, and the requests made: (path, If-None-Match, status)."""

    port: int = 0
    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[tuple[str, str | None, int]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[int]:
        """The statuses answered for ``path``, in order."""
        return [status for p, _, status in self.requests if p == path]


@contextmanager
def serving() -> Iterator[Site]:
    """A site on loopback (HTTP/1.1), its pages set by the test as it goes."""
    site = Site()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            page = site.pages.get(self.path)
            asked = self.headers.get("if-none-match")
            if page is None:
                return self._send(404, b"not here", "text/plain")
            if page.redirect is not None:
                site.requests.append((self.path, asked, 302))
                self.send_response(302)
                self.send_header("Location", page.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if page.etag is not None and asked == page.etag:
                site.requests.append((self.path, asked, 304))
                self.send_response(304)
                self.send_header("ETag", page.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            site.requests.append((self.path, asked, page.status))
            body = gzip.compress(page.body) if page.gzip else page.body
            extra = {"ETag": page.etag} if page.etag else {}
            if page.gzip:
                extra["Content-Encoding"] = "gzip"
            return self._send(page.status, body, page.type, extra)

        def _send(
            self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
