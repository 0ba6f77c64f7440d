"""The servers the intake benchmark loads: ratebot's real app, and a bare aiohttp baseline."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Coroutine
from typing import Any

from aiohttp import web


async def bare_app() -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"status": "accepted"}, status=202)

    app = web.Application()
    app.router.add_post("/webhooks/generic", handler)
    return app


async def ratebot_app(database_url: str, secret: str) -> web.Application:
    from bot.bootstrap import build
    from bot.server import build_app
    from bot.settings import load_settings

    settings = load_settings({"RATEBOT_DATABASE_URL": database_url,
                              "RATEBOT_WEBHOOK_SECRET": secret})
    ratebot = await build(settings)
    for team in ("servicedesk", "infra", "appdev"):
        if await ratebot.services.store.get_team(team) is None:
            now = ratebot.services.clock.now()
            await ratebot.services.store.add_team(team, actor="bench", at=now)
    return build_app(ratebot)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bare", "ratebot"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", default="")
    parser.add_argument("--secret", default="bench-secret")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app: Coroutine[Any, Any, web.Application] = (
        bare_app() if args.mode == "bare" else ratebot_app(args.database, args.secret)
    )
    web.run_app(app, host="127.0.0.1", port=args.port,
                print=None, access_log=None)


if __name__ == "__main__":
    main()
