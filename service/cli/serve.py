"""``milestones serve``: the HTTP service (it refuses to listen beyond loopback without
API keys, unless told to)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from service.cli.common import (
    app,
    stderr,
    usage_error,
)
from service.errors import MilestonesError
from service.settings import Settings, load_settings

if TYPE_CHECKING:
    pass


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind_refusal(host: str, settings: Settings) -> str | None:
    """Why the service may not listen on ``host`` as configured, if it may not."""
    loopback = host in LOOPBACK or host.startswith("127.")
    if loopback or settings.api_key_list() or settings.allow_unauthenticated:
        return None
    return (
        f"refusing to serve on {host} without API keys: set MILESTONES_API_KEYS, or "
        "MILESTONES_ALLOW_UNAUTHENTICATED=true (or --allow-unauthenticated) to serve openly"
    )


def cannot_listen(host: str, port: int) -> str | None:
    """Why the service could not listen on ``host:port`` (taken, not an address here)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        return f"cannot listen on {host}:{port}: {error.strerror or error}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


@app.command("serve", short_help="Run the HTTP service (docs at /docs).")
def serve_command(
    host: Annotated[
        str,
        typer.Option(metavar="ADDRESS", help="Address to listen on (0.0.0.0: every interface)."),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, metavar="PORT", help="Port to listen on.")
    ] = 8000,
    allow_unauthenticated: Annotated[
        bool,
        typer.Option(
            "--allow-unauthenticated",
            help="Serve without API keys on a non-loopback address.",
        ),
    ] = False,
) -> None:
    """Run the HTTP service (POST /v1/summaries, POST /v1/jobs; docs at /docs)."""
    import uvicorn

    from service.app import create_app

    try:
        settings = load_settings()
        if allow_unauthenticated:
            settings = settings.model_copy(update={"allow_unauthenticated": True})
        refusal = bind_refusal(host, settings)
        if refusal:
            usage_error(refusal)
        unusable = cannot_listen(host, port)
        if unusable:
            usage_error(unusable)
        application = create_app(settings)
    except MilestonesError as error:
        usage_error(error)
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    auth = " -H 'authorization: Bearer <key>'" if settings.api_key_list() else ""
    stderr.print(
        f"serving on {base}\n"
        f"  API docs: {base}/docs (Swagger UI) · {base}/redoc (ReDoc)\n"
        f"  try:      curl -s {base}/v1/summaries{auth} -H 'content-type: text/plain' "
        "--data-binary @article.txt",
        markup=False,
    )
    uvicorn.run(application, host=host, port=port, log_level="warning")


# -- across articles: the index every summarise, bulk run and the service write ---------
