"""A small keep-alive HTTP/1.1 load generator on asyncio streams (loopback only)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Run:
    """What one load run measured."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def request_bytes(path: str, body: bytes, content_type: str = "application/json") -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def load(port: int, requests: list[bytes], connections: int, seconds: float) -> Run:
    """Send the requests round-robin over ``connections`` for ``seconds``."""
    run = Run(seconds)
    stop = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = offset
        try:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                writer.write(requests[i % len(requests)])
                status = await _read_response(reader)
                run.latencies.append(time.perf_counter() - started)
                run.statuses[status] = run.statuses.get(status, 0) + 1
                i += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker(n) for n in range(connections)))
    return run
