"""Idempotency-Key: the key as stored (scoped to the caller), and a request's fingerprint."""

from __future__ import annotations

import hashlib

from fastapi import Request


def scoped_key(
    request: Request, resource: str, key: str, engine: str, body: bytes
) -> tuple[str, str]:
    """(the key scoped to the caller's credentials and the resource, the fingerprint of
    this request: its content type, query, engine and body)."""
    caller = hashlib.sha256(request.headers.get("authorization", "").encode()).hexdigest()[:16]
    fingerprint = hashlib.sha256()
    parts = (
        request.headers.get("content-type", "").encode(),
        request.url.query.encode(),
        engine.encode(),
        body,
    )
    for part in parts:
        fingerprint.update(len(part).to_bytes(8, "big") + part)
    return f"{caller}:{resource}:{key}", fingerprint.hexdigest()
