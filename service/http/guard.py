"""What a request must be before any route reads it (ASGI middleware, pages and API alike).

- **No NUL in its URL** (U+0000, sent raw or as ``%00``, in the path or the query): a
  400, for no id, name or filter holds one and PostgreSQL's text cannot.
- **A Host this service answers to.** Open (no API keys, so listening on loopback only),
  only loopback names (``localhost``, ``*.localhost``, ``127.x.x.x``, ``::1``) and
  ``MILESTONES_ALLOWED_HOSTS``; so a page on a name that a DNS-rebinding attacker points
  at 127.0.0.1 reaches nothing (421). With keys, or serving openly on purpose
  (``--allow-unauthenticated``), any Host unless ``MILESTONES_ALLOWED_HOSTS`` lists them.
- **No write from another origin.** A POST, PUT, PATCH or DELETE that a browser sends
  from a page of another origin is refused (403): ``Sec-Fetch-Site`` other than
  ``same-origin`` or ``none`` (a sibling port of the same host is ``same-site``, and
  refused), or, from a browser that does not send it, an ``Origin`` whose host and port
  are not the request's ``Host``. Clients that are not browsers send neither header.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from service.errors import BadQuery, CrossOrigin, HostNotAllowed, MilestonesError
from service.http.problems import for_error

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SAME_ORIGIN = frozenset({"same-origin", "none"})


def host_name(host: str) -> str:
    """A Host header's name, without its port or an IPv6 address's brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host[1:]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(name: str) -> bool:
    """Whether a host name can only mean this machine."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class Guard:
    """ASGI middleware: requests that no route may see are answered here."""

    def __init__(
        self, app: Any, *, open_service: bool, allowed_hosts: list[str], retry_after: int
    ) -> None:
        self.app = app
        self.check_host = open_service or bool(allowed_hosts)
        self.allowed_hosts = frozenset(allowed_hosts)
        self.retry_after = retry_after

    def refusal(self, scope: Any) -> MilestonesError | None:
        """Why a request is refused, if it is."""
        query = scope.get("query_string", b"")
        if "\x00" in scope.get("path", "") or b"\x00" in unquote_to_bytes(query):
            return BadQuery(
                "the request's URL holds a NUL character (U+0000, %00): no id, name or "
                "value this service holds has one"
            )
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if self.check_host:
            name = host_name(host)
            if not (is_loopback(name) or name in self.allowed_hosts):
                return HostNotAllowed(
                    f"this service does not answer to the host {name or '(none)'!r}: use a "
                    "loopback address, or list the name in MILESTONES_ALLOWED_HOSTS"
                )
        if scope["method"] in UNSAFE_METHODS and _cross_origin(headers, host):
            return CrossOrigin(
                "a browser sent this write from a page of another origin: use this "
                "service's own pages, or a client that is not a browser"
            )
        return None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            refused = self.refusal(scope)
            if refused is not None:
                await for_error(refused, self.retry_after).response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _cross_origin(headers: dict[str, str], host: str) -> bool:
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site.strip().lower() not in _SAME_ORIGIN
    origin = headers.get("origin")
    if origin is None:
        return False
    try:
        netloc = urlsplit(origin.strip()).netloc.lower()
    except ValueError:
        return True
    return not netloc or netloc != host.strip().lower()
