"""Which callback URLs the service will call: no server-side request forgery.

A callback URL must be https (http only when ``MILESTONES_ALLOW_HTTP_CALLBACKS``), and
every address its host resolves to must be a public one: private, loopback,
link-local, shared, reserved, multicast and unspecified addresses are refused unless
``MILESTONES_ALLOW_PRIVATE_CALLBACKS``. The check runs when a job is submitted and
again before every delivery (a name can be pointed elsewhere in between); deliveries
never follow redirects.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from service.errors import InputError

Resolve = Callable[[str, int], Awaitable[list[str]]]
MAX_URL_CHARS = 2048


class CallbackRefused(InputError):
    """A callback URL the service will not call."""

    kind = "callback_refused"


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to, by the system's resolver."""
    loop = asyncio.get_running_loop()
    found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in found})


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class CallbackPolicy:
    """What a callback URL may be, and how host names are resolved."""

    allow_http: bool = False
    allow_private: bool = False
    resolve: Resolve = resolve_host

    def _host_port(self, url: str) -> tuple[str, int]:
        if len(url) > MAX_URL_CHARS:
            raise CallbackRefused(f"callback_url is longer than {MAX_URL_CHARS} characters")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise CallbackRefused(f"callback_url is not a valid URL: {error}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http"):
            raise CallbackRefused("callback_url must be an https:// URL")
        if scheme == "http" and not self.allow_http:
            raise CallbackRefused(
                "callback_url must be https:// (plain http is allowed only when the "
                "service sets MILESTONES_ALLOW_HTTP_CALLBACKS)"
            )
        if not parts.hostname:
            raise CallbackRefused("callback_url has no host")
        return parts.hostname, port or (443 if scheme == "https" else 80)

    async def check(self, url: str) -> None:
        """Refuse (CallbackRefused) a URL the service must not call."""
        host, port = self._host_port(url)
        if self.allow_private:
            return
        literal = _address(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                found = await self.resolve(host, port)
            except OSError as error:
                raise CallbackRefused(
                    f"callback_url's host {host} does not resolve: {error}"
                ) from None
            addresses = [a for a in (_address(text) for text in found) if a is not None]
            if not addresses:
                raise CallbackRefused(f"callback_url's host {host} does not resolve")
        for address in addresses:
            if not _public(address):
                raise CallbackRefused(
                    f"callback_url's host {host} is {address}, not a public address: refused "
                    "(private, loopback and link-local callbacks need "
                    "MILESTONES_ALLOW_PRIVATE_CALLBACKS)"
                )
