"""Which URLs the service will connect to on a caller's word: no server-side request
forgery. Two kinds of URL are a caller's: callbacks (``CallbackPolicy``, jobs' webhooks)
and pages and feeds to fetch (``FetchPolicy``, ``service.fetch``); each kind has its own
settings, and the same rules.

Such a URL must be https (http only when ``MILESTONES_ALLOW_HTTP_CALLBACKS`` or
``_FETCHES``), with no user name or password in it (they would be stored and shown) and
no white space or control characters (a CR/LF could split the request it is sent in),
and every address its host resolves to must be a public one: private, loopback,
link-local, shared, reserved, multicast and unspecified addresses are refused unless
``MILESTONES_ALLOW_PRIVATE_CALLBACKS`` (or ``_FETCHES``). An IPv6 address that carries an IPv4 one
(IPv4-mapped, -translated or -compatible, NAT64, 6to4, Teredo) is judged by the IPv4
address it leads to as well. The check runs when a job is submitted, and at
every delivery the connection itself is made only to an address just resolved and
checked (``PinnedTransport``), so a name pointed inside in between (DNS rebinding) is
not followed; TLS still verifies the certificate against the name. Deliveries never
follow redirects; fetches follow a few, each checked as the first URL was.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

from service.errors import CallbackRefused, FetchRefused, InputError

Resolve = Callable[[str, int], Awaitable[list[str]]]
MAX_URL_CHARS = 2048

_UNSAFE_CHARACTER = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
# IPv6 ranges whose last 32 bits are an IPv4 address the packet is delivered to.
_CARRYING_IPV4 = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64, the well-known prefix
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # NAT64, local use
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated)
)


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


def _carried_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (6to4, Teredo, NAT64 …), if any."""
    carried = []
    if address.sixtofour is not None:
        carried.append(address.sixtofour)
    if address.teredo is not None:
        carried.extend(address.teredo)  # (server, client)
    if any(address in network for network in _CARRYING_IPV4):
        carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return carried


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def public(address: Address) -> bool:
    """Whether an address is one on the public internet (and leads to none other)."""
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return all(public(carried) for carried in _carried_ipv4(address))
    return True


@dataclass(frozen=True)
class AddressPolicy:
    """What a caller's URL may be, and how host names are resolved: ``field`` names the
    URL in messages, ``settings`` the ``MILESTONES_ALLOW_*_{settings}`` that allow more,
    ``refused`` is the error; ``is_public`` says which addresses are public (tests that
    serve on loopback widen it)."""

    allow_http: bool = False
    allow_private: bool = False
    resolve: Resolve = resolve_host
    field: str = "callback_url"
    settings: str = "CALLBACKS"
    refused: type[InputError] = CallbackRefused
    is_public: Callable[[Address], bool] = public

    def _host_port(self, url: str) -> tuple[str, int]:
        if len(url) > MAX_URL_CHARS:
            raise self.refused(f"{self.field} is longer than {MAX_URL_CHARS} characters")
        unsafe = _UNSAFE_CHARACTER.search(url)
        if unsafe is not None:
            raise self.refused(
                f"{self.field} holds white space or a control character (U+"
                f"{ord(unsafe.group()):04X} at {unsafe.start()}): percent-encode it"
            )
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise self.refused(f"{self.field} is not a valid URL: {error}") from None
        if "@" in parts.netloc:
            raise self.refused(
                f"{self.field} holds a user name or password: they would be stored and shown"
            )
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http"):
            raise self.refused(f"{self.field} must be an https:// URL")
        if scheme == "http" and not self.allow_http:
            raise self.refused(
                f"{self.field} must be https:// (plain http is allowed only when the "
                f"service sets MILESTONES_ALLOW_HTTP_{self.settings})"
            )
        if not parts.hostname:
            raise self.refused(f"{self.field} has no host")
        return parts.hostname, port or (443 if scheme == "https" else 80)

    async def check(self, url: str) -> None:
        """Refuse (``refused``) a URL the service must not connect to."""
        await self.addresses(*self._host_port(url))

    async def addresses(self, host: str, port: int) -> list[str]:
        """The addresses a connection to ``host`` may be made to (all of them checked), or
        ``refused``. With private addresses allowed, the host itself."""
        if self.allow_private:
            return [host]
        literal = _address(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                found = await self.resolve(host, port)
            except OSError as error:
                raise self.refused(
                    f"{self.field}'s host {host} does not resolve: {error}"
                ) from None
            addresses = [a for a in (_address(text) for text in found) if a is not None]
            if not addresses:
                raise self.refused(f"{self.field}'s host {host} does not resolve")
        for address in addresses:
            if not self.is_public(address):
                raise self.refused(
                    f"{self.field}'s host {host} is {address}, not a public address: refused "
                    "(private, loopback and link-local addresses need "
                    f"MILESTONES_ALLOW_PRIVATE_{self.settings})"
                )
        return [str(address) for address in addresses]


@dataclass(frozen=True)
class CallbackPolicy(AddressPolicy):
    """The policy for jobs' callback URLs."""


@dataclass(frozen=True)
class FetchPolicy(AddressPolicy):
    """The policy for pages and feeds the service fetches."""

    field: str = "url"
    settings: str = "FETCHES"
    refused: type[InputError] = FetchRefused


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the policy has just checked."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: Exception | None = None
        for address in await self.policy.addresses(host, port):
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None  # addresses() gives at least one, or refuses
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise self.policy.refused("connections go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, connecting through ``_PinnedBackend``. (httpx takes no network
    backend of its own, so its connection pool is made again here with one; httpx is
    pinned below 0.29 and ``tests/test_callbacks.py`` connects through it for real.)"""

    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_PinnedBackend(policy),
        )
