"""Callback URLs: which ones the service will call (the SSRF policy)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from service.egress import CallbackPolicy, PinnedTransport
from service.errors import CallbackRefused
from tests.doubles.receiver import Received, receiving


def answering(*addresses: str) -> CallbackPolicy:
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return CallbackPolicy(resolve=resolve)


async def no_such_host(host: str, port: int) -> list[str]:
    raise OSError("Name or service not known")


@pytest.mark.parametrize(
    "address",
    ["0.0.0.0", "100.64.0.1", "224.0.0.251", "192.0.2.10", "fd00::1", "fe80::1%eth0", "::"],
)
async def test_no_address_outside_the_public_internet_is_called(address: str) -> None:
    with pytest.raises(CallbackRefused, match="not a public address"):
        await answering(address).check("https://hooks.example.com/x")


async def test_a_public_host_is_accepted_by_name_or_address() -> None:
    await answering("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c").check(
        "https://hooks.example.com:8443/x?token=1"
    )
    await CallbackPolicy(resolve=no_such_host).check("https://[2606:4700::1111]/x")


async def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(CallbackRefused, match="does not resolve"):
        await CallbackPolicy(resolve=no_such_host).check("https://nowhere.invalid/x")


async def test_allowing_private_addresses_skips_the_lookup() -> None:
    policy = CallbackPolicy(allow_private=True, resolve=no_such_host)
    await policy.check("https://127.0.0.1/x")
    with pytest.raises(CallbackRefused, match="https"):
        await policy.check("http://127.0.0.1/x")  # http is a separate setting


async def test_an_overlong_or_malformed_url_is_refused() -> None:
    with pytest.raises(CallbackRefused, match="longer than"):
        await answering("93.184.215.14").check("https://a.example/" + "x" * 3000)
    with pytest.raises(CallbackRefused, match="not a valid URL"):
        await answering("93.184.215.14").check("https://a.example:99999/x")


@pytest.fixture
def local_receiver() -> Iterator[tuple[int, list[Received]]]:
    with receiving() as (port, received):
        yield port, received


async def test_the_connection_is_refused_when_the_name_now_points_inside(
    local_receiver: tuple[int, list[Received]],
) -> None:
    port, received = local_receiver
    policy = CallbackPolicy(allow_http=True, resolve=answering("127.0.0.1").resolve)
    async with httpx.AsyncClient(transport=PinnedTransport(policy)) as client:
        with pytest.raises(CallbackRefused, match="127.0.0.1"):
            await client.post(f"http://hooks.example.com:{port}/hook")
    assert received == []


async def test_the_connection_goes_to_the_address_that_was_checked(
    local_receiver: tuple[int, list[Received]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name the system cannot resolve reaches the receiver: the transport connects to
    the address the policy resolved and checked, not to the name."""
    port, received = local_receiver
    checked: list[str] = []

    def every_address_public(address: object) -> bool:
        checked.append(str(address))
        return True

    policy = CallbackPolicy(
        allow_http=True,
        resolve=answering("127.0.0.1").resolve,
        is_public=every_address_public,
    )
    async with httpx.AsyncClient(transport=PinnedTransport(policy)) as client:
        response = await client.post(f"http://receiver.invalid:{port}/hook")
    assert (
        response.status_code == 204
        and [r.path for r in received] == ["/hook"]
        and checked == ["127.0.0.1"]
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@hooks.example.com/x",
        "https://token@hooks.example.com/x",
        "https://hooks.example.com/x\r\nX-Injected: 1",
        "https://hooks.example.com/x\n",
        "https://hooks.example.com/a b",
        "https://hooks.example.com/\tx",
        "https://hooks.example.com/\x00x",
        "https://hooks.example.com/\x85x",
    ],
)
async def test_credentials_white_space_and_control_characters_in_a_url_are_refused(
    url: str,
) -> None:
    with pytest.raises(CallbackRefused, match="user name or password|white space or a control"):
        await answering("93.184.215.14").check(url)


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 of 169.254.169.254
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo
        "::ffff:0:a00:1",  # IPv4-translated 10.0.0.1
        "::a00:1",  # IPv4-compatible 10.0.0.1
    ],
)
async def test_an_ipv6_address_carrying_a_private_ipv4_one_is_refused(address: str) -> None:
    with pytest.raises(CallbackRefused, match="not a public address"):
        await answering(address).check("https://hooks.example.com/x")
    with pytest.raises(CallbackRefused, match="not a public address"):
        await CallbackPolicy(resolve=no_such_host).check(f"https://[{address}]/x")


async def test_an_ipv6_address_carrying_a_public_ipv4_one_is_accepted() -> None:
    await answering("64:ff9b::5db8:d70e", "2002:5db8:d70e::1").check("https://hooks.example.com/x")
