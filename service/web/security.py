"""The pages' protections: who is signed in, CSRF tokens on every form, and headers.

- **Sign-in.** When the service has API keys, the pages ask for one; the session is a
  cookie (HttpOnly, SameSite=Strict) holding the key's name and an expiry, signed with
  the key itself (HMAC-SHA256), so no key is ever stored in the browser. Without keys,
  the pages are open to whoever reaches them, as the API is (``milestones serve``
  refuses to listen beyond loopback without keys unless told to).
- **CSRF.** Every form carries a token bound to the browser's session: an HMAC, with
  the service's page secret, of its session cookie and of a random value in a second
  cookie (the "signed double-submit" pattern). A page on another port of the same host
  can plant cookies (cookies ignore ports), but cannot sign them: a form whose token is
  not that of the request's own cookies is refused (403). Over HTTPS both cookies are
  ``__Host-`` cookies (Secure, the whole site, no domain); the request guard
  (``service.http.guard``) refuses writes a browser sends from another origin first.
- **Headers.** A Content-Security-Policy allowing only the service's own script and
  style (no inline script), no framing, no sniffing, no referrer, no caching of pages.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from fastapi import Request, Response

from service.http import LOCAL_CALLER, Service, service_of

SESSION_COOKIE = "milestones_session"
CSRF_COOKIE = "milestones_csrf"
SESSION_S = 12 * 3600
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _signature(key: bytes, name: str, expires: int) -> str:
    return hmac.new(key, f"{name}|{expires}".encode(), hashlib.sha256).hexdigest()


def session_for(key: bytes, name: str, now: float | None = None) -> str:
    """A session cookie's value for the key named ``name``."""
    expires = int(now if now is not None else time.time()) + SESSION_S
    return f"{name}|{expires}|{_signature(key, name, expires)}"


def cookie_name(request: Request, name: str) -> str:
    """A cookie's name: with the ``__Host-`` prefix where the scheme allows it (HTTPS)."""
    return f"__Host-{name}" if request.url.scheme == "https" else name


def signed_in(service: Service, request: Request) -> str | None:
    """Who uses the pages: the name of the key the session was signed with (None when
    there is no valid session), or ``local`` when the service has no keys."""
    if not service.api_keys:
        return LOCAL_CALLER
    session = request.cookies.get(cookie_name(request, SESSION_COOKIE), "")
    name, _, rest = session.partition("|")
    expires_text, _, signature = rest.partition("|")
    if not expires_text.isdigit() or int(expires_text) < time.time():
        return None
    found = None
    for key, key_name in service.api_keys:
        expected = _signature(key, key_name, int(expires_text))
        if key_name == name and hmac.compare_digest(expected, signature):
            found = name
    return found


def _bound_token(request: Request, nonce: str) -> str:
    """The CSRF token of this browser's session cookie and random value."""
    session = request.cookies.get(cookie_name(request, SESSION_COOKIE), "")
    secret = service_of(request).page_secret
    return hmac.new(secret, f"csrf|{session}|{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token the request's forms carry: bound to its cookies (a random value is made,
    and set with the response, when the browser has none yet)."""
    nonce = request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
    if len(nonce) < 32:
        nonce = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = nonce
    return _bound_token(request, nonce)


def csrf_ok(request: Request, sent: object) -> bool:
    """Whether a form carried the token of the request's own cookies."""
    nonce = request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
    if len(nonce) < 32 or not isinstance(sent, str):
        return False
    return hmac.compare_digest(_bound_token(request, nonce), sent)


def finish(request: Request, response: Response) -> Response:
    """A page's response with its headers, and the CSRF cookie when it is new."""
    response.headers.update(PAGE_HEADERS)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            cookie_name(request, CSRF_COOKIE),
            new,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def set_session(request: Request, response: Response, value: str | None) -> None:
    """Sign in (a session value) or out (None)."""
    if value is None:
        response.delete_cookie(
            cookie_name(request, SESSION_COOKIE),
            path="/",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        return
    response.set_cookie(
        cookie_name(request, SESSION_COOKIE),
        value,
        max_age=SESSION_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
