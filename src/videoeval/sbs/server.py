"""The annotators' web app: server-rendered pages and a little JavaScript (Starlette). Each
annotator has a link ``/a/<token>``; every page and call carries the token, and answers only
about that annotator's own items. The page names no system, no file and no sample: items are
known by a random key, their video by that key, and left/right was drawn per annotator and item.
"""

from __future__ import annotations

import html
import json
import mimetypes
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from videoeval.sbs.store import (
    CHOICES,
    SubmitError,
    annotator_of,
    assigned_item,
    meta,
    next_item,
    open_study,
    submit,
)

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEY = re.compile(r"[0-9a-f]{16}")
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the address
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self'; media-src 'self'; frame-ancestors 'none'",
}
LABELS = {"left": "Description 1", "tie": "tie", "right": "Description 2"}


def _page(title: str, body: str, token: str | None = None) -> HTMLResponse:
    script = f'<script src="/a/{token}/app.js" defer></script>' if token else ""
    css = (resources.files("videoeval.sbs") / "page.css").read_text(encoding="utf-8")
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{css}</style>{script}</head><body>{body}</body></html>",
        headers=HEADERS,
    )


def _not_found() -> Response:
    return Response("not found", status_code=404, headers=HEADERS, media_type="text/plain")


def _criteria_rows(criteria: list[str]) -> str:
    rows = []
    for n, criterion in enumerate(criteria):
        cells = "".join(
            f'<label><input type="radio" name="{criterion}" value="{choice}" required> '
            f"{LABELS[choice]}</label>"
            for choice in CHOICES
        )
        rows.append(f'<fieldset class="criterion" data-n="{n}"><legend>{html.escape(criterion)}'
                    f"</legend>{cells}</fieldset>")  # fmt: skip
    return "".join(rows)


def _item_page(token: str, info: dict[str, Any], item: Any) -> HTMLResponse:
    video = (
        f'<video controls preload="metadata" src="/a/{token}/media/{item.key}"></video>'
        if item.has_media else '<p class="note">The clip is not available for this item.</p>'
    )  # fmt: skip
    body = f"""
<header><h1>Which description fits the video better?</h1>
<p class="progress">done: {item.done} &middot; after this one: {item.remaining}</p></header>
<details><summary>Instructions</summary><p>{html.escape(info["instructions"])}</p>
<p>Keys: <kbd>1</kbd> Description 1 better, <kbd>2</kbd> tie, <kbd>3</kbd> Description 2
better (for the highlighted criterion, then the next); <kbd>r</kbd> write a reason;
<kbd>Enter</kbd> submit.</p></details>
<main><section class="clip">{video}</section>
<section class="texts"><article><h2>Description 1</h2><p>{html.escape(item.left)}</p></article>
<article><h2>Description 2</h2><p>{html.escape(item.right)}</p></article></section>
<form id="judge" data-item="{item.key}">{_criteria_rows(info["criteria"])}
<label class="reason">Reason (optional)<textarea name="reason" maxlength="4000"></textarea></label>
<button type="submit">Submit</button><p id="status" role="status"></p></form></main>"""
    return _page("Side-by-side", body, token)


def make_app(study: Path) -> Starlette:
    """The app over one study file; each request opens its own connection (WAL lets readers
    and one writer work at once)."""
    open_study(study).close()

    @contextmanager
    def db() -> Iterator[sqlite3.Connection]:
        conn = open_study(study)
        try:
            yield conn
        finally:
            conn.close()

    def who(request: Request, conn: sqlite3.Connection) -> tuple[str, int] | None:
        token = request.path_params["token"]
        if not TOKEN.fullmatch(token):
            return None
        annotator = annotator_of(conn, token)
        return None if annotator is None else (token, annotator)

    def page(request: Request) -> Response:
        with db() as conn:
            known = who(request, conn)
            if known is None:
                return _not_found()
            token, annotator = known
            item = next_item(conn, annotator)
            if item is None:
                return _page("Side-by-side", "<h1>All done: thank you.</h1>"
                             "<p>Every item for you is judged.</p>")  # fmt: skip
            return _item_page(token, meta(conn), item)

    def script(request: Request) -> Response:
        with db() as conn:
            if who(request, conn) is None:
                return _not_found()
        text = (resources.files("videoeval.sbs") / "page.js").read_text(encoding="utf-8")
        return Response(text, media_type="text/javascript", headers=HEADERS)

    async def judge(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"error": "the body is not JSON"}, 400, headers=HEADERS)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body is not an object"}, 400, headers=HEADERS)
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(_judge, request, body)

    def _judge(request: Request, body: dict[str, Any]) -> Response:
        with db() as conn:
            known = who(request, conn)
            if known is None:
                return _not_found()
            key = body.get("item")
            if not isinstance(key, str) or not KEY.fullmatch(key):
                return JSONResponse({"error": "no such item"}, 404, headers=HEADERS)
            try:
                stored = submit(conn, known[1], key, body.get("choices"), body.get("reason", ""))
            except SubmitError as exc:
                status = 404 if "no such item" in str(exc) else 400
                return JSONResponse({"error": str(exc)}, status, headers=HEADERS)
        return JSONResponse({"ok": True, "stored": stored}, headers=HEADERS)

    def media(request: Request) -> Response:
        key = request.path_params["key"]
        with db() as conn:
            known = who(request, conn)
            if known is None or not KEY.fullmatch(key):
                return _not_found()
            item = assigned_item(conn, known[1], key)
            root = Path(meta(conn)["videos"])
        if item is None or item["media"] is None:
            return _not_found()
        path = Path(item["media"]).resolve()
        # the path comes from the study, never from the request; still, only the study's videos
        if not path.is_relative_to(root.resolve()) or not path.is_file():
            return _not_found()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=kind, headers=HEADERS)

    return Starlette(routes=[
        Route("/a/{token}", page),
        Route("/a/{token}/app.js", script),
        Route("/a/{token}/judge", judge, methods=["POST"]),
        Route("/a/{token}/media/{key}", media),
    ])  # fmt: skip


def serve(study: Path, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(make_app(study), host=host, port=port, log_level="warning", access_log=False)
