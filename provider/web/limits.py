"""A cap on the size of every request body, before the framework reads or spools any of it.

The largest upload Lantern takes is a bank statement of 20 MB (a few kB of form around it), so a body above
MAX_BODY_BYTES is refused with 413, by its Content-Length when it says one, else as soon as the bytes read pass
it; answered as every other refusal is (JSON under /api, a page elsewhere), and nothing is written.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provider.web.errors import refusal, wants_json

MB = 1024 * 1024
MAX_BODY_BYTES = 25 * MB
TOO_LARGE = f"What was sent is larger than {MAX_BODY_BYTES // MB} MB, the most Lantern takes in one request."


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen, started, over = 0, False, False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if over and not started:
                return      # the app's answer to a body it could not finish reading (FastAPI makes it a 400)
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if started:
                raise
        if over and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        fields = {"body": f"is larger than {self.max_bytes // MB} MB"}
        response = refusal(request, 413, "Too large", TOO_LARGE, fields if wants_json(request) else None)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
