"""Webhook signatures: the Standard Webhooks specification's published test vector."""

from __future__ import annotations

import pytest

from service.webhooks import decode_secret, headers, new_secret, sign, verify

# The specification's example: any Standard Webhooks library verifies our deliveries.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MESSAGE_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def vector(**changes: str) -> dict[str, str]:
    return {
        "webhook-id": MESSAGE_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": SIGNATURE,
    } | changes


def test_signing_reproduces_the_specifications_test_vector() -> None:
    assert sign(SECRET, MESSAGE_ID, TIMESTAMP, BODY) == SIGNATURE
    assert sign(SECRET.removeprefix("whsec_"), MESSAGE_ID, TIMESTAMP, BODY) == SIGNATURE


def test_the_test_vector_verifies_within_the_tolerance() -> None:
    assert verify(SECRET, vector(), BODY, now=TIMESTAMP + 10)


@pytest.mark.parametrize(
    ("received", "body", "now"),
    [
        (vector(), b'{"test": 2432232315}', TIMESTAMP),  # the body was changed
        (vector(**{"webhook-id": "msg_other"}), BODY, TIMESTAMP),
        (vector(), BODY, TIMESTAMP + 301),  # too old: a replay
        (vector(), BODY, TIMESTAMP - 301),  # from the future
        (vector(**{"webhook-timestamp": "soon"}), BODY, TIMESTAMP),
        (vector(**{"webhook-signature": "v1,AAAA"}), BODY, TIMESTAMP),
        ({}, BODY, TIMESTAMP),
    ],
)
def test_a_changed_late_or_unsigned_delivery_does_not_verify(
    received: dict[str, str], body: bytes, now: int
) -> None:
    assert not verify(SECRET, received, body, now=now)


def test_any_of_several_signatures_verifies_during_a_secret_rotation() -> None:
    rotated = vector(**{"webhook-signature": f"v1,b3RoZXI= {SIGNATURE}"})
    assert verify(SECRET, rotated, BODY, now=TIMESTAMP)


def test_fresh_secrets_sign_deliveries_that_verify() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(decode_secret(secret)) == 32
    sent = headers(secret, "msg_1", b"{}", now=1_700_000_000)
    assert verify(secret, sent, b"{}", now=1_700_000_000)
    assert not verify(new_secret(), sent, b"{}", now=1_700_000_000)


def test_a_malformed_secret_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        decode_secret("whsec_not base64!")
