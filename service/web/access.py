"""The pages' seams, as the API has its own: who is signed in (a dependency, as the API's
``AuthDep``), errors shown as HTML pages from the API's one table of problems
(``service.http.problems.PROBLEMS``), and the sign-in and sign-out routes.

A page's route raises the service's errors (``NotFound``, ``InputError`` …) as the API's
routes do; ``PageRoute`` renders each as an error page with the status and title its
problem has. A visitor not signed in is sent to the sign-in page, and back after.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from service.errors import MilestonesError
from service.http import Service, problem_of, service_of
from service.web import render
from service.web.forms import read_form
from service.web.security import csrf_token, finish, session_for, set_session, signed_in


class SignInRequired(Exception):
    """A page asked for by a visitor who is not signed in (the service has API keys)."""


def html(request: Request, body: str, status: int = 200) -> Response:
    """A rendered page, with the pages' headers."""
    return finish(request, HTMLResponse(body, status_code=status))


def error_page(request: Request, error: MilestonesError) -> Response:
    """The page for an error: the status and title of its problem, and its detail."""
    problem = problem_of(error)
    body = render.page(
        "error.html", title=problem.title, detail=error.detail, csrf=csrf_token(request)
    )
    return html(request, body, problem.status)


def to_signin(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)


class PageRoute(APIRoute):
    """A page's route: the service's errors become error pages, a visitor not signed in
    goes to the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handle(request)
            except SignInRequired:
                return to_signin(request)
            except MilestonesError as error:
                return error_page(request, error)

        return page


def pages_router() -> APIRouter:
    """A router of pages (not in the API's description)."""
    return APIRouter(include_in_schema=False, route_class=PageRoute)


async def _signed(request: Request) -> str:
    """Who is signed in (``local`` when the service has no keys); else SignInRequired."""
    name = signed_in(service_of(request), request)
    if name is None:
        raise SignInRequired
    return name


SignedIn = Annotated[str, Depends(_signed)]


def shown_name(service: Service, signed: str) -> str | None:
    """The name the pages show as signed in (none when the service has no keys)."""
    return signed if service.api_keys else None


def page_context(request: Request, service: Service, signed: str) -> dict[str, Any]:
    """What every page's template is given: who is signed in, the form token."""
    return {"signed_in": shown_name(service, signed), "csrf": csrf_token(request)}


router = pages_router()


def _safe_next(target: str) -> str:
    """Where to go after signing in: a path of this site only."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


@router.get("/signin")
async def signin_page(request: Request) -> Response:
    service = service_of(request)
    if not service.api_keys:
        return RedirectResponse("/", status_code=303)
    target = _safe_next(request.query_params.get("next", "/"))
    body = render.page("signin.html", next=target, csrf=csrf_token(request))
    return html(request, body)


@router.post("/signin")
async def signin(request: Request) -> Response:
    service = service_of(request)
    form = await read_form(request, service.settings.max_body_bytes)
    target = _safe_next(str(form.get("next") or "/"))
    key = str(form.get("key") or "")
    name = service.caller(key) if service.api_keys else None
    if name is None:
        body = render.page(
            "signin.html",
            next=target,
            csrf=csrf_token(request),
            error="That is not a valid API key.",
        )
        return html(request, body, 401)
    response = RedirectResponse(target, status_code=303)
    set_session(request, response, session_for(key.strip().encode(), name))
    return finish(request, response)


@router.post("/signout")
async def signout(request: Request) -> Response:
    service = service_of(request)
    await read_form(request, service.settings.max_body_bytes)
    response = RedirectResponse("/signin" if service.api_keys else "/", status_code=303)
    set_session(request, response, None)
    return finish(request, response)
