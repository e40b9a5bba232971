"""Webhook signatures per the Standard Webhooks specification.

A delivery carries ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, several
space-separated when a secret is being rotated. The secret is ``whsec_<base64 key>``.
A receiver checks the signature and that the timestamp is recent (against replays).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

TOLERANCE_S = 300


def new_secret() -> str:
    """A fresh signing secret, ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def decode_secret(secret: str) -> bytes:
    """The key bytes of a ``whsec_…`` secret (the prefix may be left out)."""
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from error


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one delivery."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(decode_secret(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, body: bytes, now: int | None = None) -> dict[str, str]:
    """The three headers of a signed delivery."""
    timestamp = int(time.time()) if now is None else now
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(
    secret: str,
    received: Mapping[str, str],
    body: bytes,
    now: int | None = None,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """Whether a delivery's headers carry a valid, recent signature of ``body``."""
    message_id = received.get("webhook-id", "")
    raw_timestamp = received.get("webhook-timestamp", "")
    if not message_id or not raw_timestamp.isdigit():
        return False
    timestamp = int(raw_timestamp)
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = sign(secret, message_id, timestamp, body).encode()
    return any(
        hmac.compare_digest(expected, candidate.encode())
        for candidate in received.get("webhook-signature", "").split()
    )
