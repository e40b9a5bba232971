"""The service as the benchmark serves it: the real app, plus a bare endpoint beside it.

python -m bench.server PORT STORE_DIR
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import Request
from fastapi.responses import Response

from service.app import create_app
from service.settings import Settings


def main() -> None:
    port, store = int(sys.argv[1]), sys.argv[2]
    settings = Settings(database_url=f"sqlite:///{store}/bench.sqlite3", engine="rules")
    app = create_app(settings)

    @app.post("/bare")
    async def bare(request: Request) -> Response:
        """What any endpoint costs: read the body, answer a small JSON document."""
        await request.body()
        return Response(b'{"ok":true}', media_type="application/json")

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
