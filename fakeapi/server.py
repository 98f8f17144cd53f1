"""HTTP transport: serve a :class:`FakeBotAPI` on 127.0.0.1 like ``api.telegram.org``.

The server runs on the *current* asyncio loop (tornado), so a test can start it, launch the
real bot process pointed at it, and use the fake's waiting helpers in the same loop::

    async with FakeBotAPIServer(fake) as server:          # port 0: a free port
        # child process: python -m bot run, configured with server.base_url
        app = Application.builder().token(TOKEN).base_url(server.base_url) \\
            .base_file_url(server.base_file_url).build()

URLs (``base_url`` is ``http://127.0.0.1:PORT/bot``, so PTB builds the same shapes Telegram
uses):

* ``GET|POST /bot<token>/<method>`` — the Bot API; parameters from the query string and a
  form-encoded, multipart (file uploads) or JSON body;
* ``GET /file/bot<token>/<file_path>`` — file downloads (``getFile`` paths);
* ``/_fake/<action>`` — a small JSON control API to play users from outside the process
  (used by ``python -m fakeapi`` for manual trials): ``GET state``, ``GET messages?chat_id=``,
  ``POST add_user|send_text|send_contact|press_button|block_bot|unblock_bot|deactivate``.

Injected faults: a timeout holds the answer back (until the client gives up and disconnects,
``hold_timeout`` passes or the server stops) and then closes the connection; a dropped
connection is closed without an answer. Concurrent requests are served concurrently, so a
long-polling ``getUpdates`` does not block sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from types import TracebackType
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from fakeapi.core import FakeBotAPI, SimulatedDisconnect, SimulatedTimeout

__all__ = ["FakeBotAPIServer"]


class _Handler(RequestHandler):
    owner: FakeBotAPIServer

    def initialize(self, owner: FakeBotAPIServer) -> None:
        self.owner = owner
        self._gone = asyncio.Event()

    def on_connection_close(self) -> None:
        self._gone.set()

    def check_xsrf_cookie(self) -> None:
        """No cookies here."""

    async def _race(self, work: asyncio.Future[Any]) -> bool:
        """Wait for ``work`` unless the client goes away or the server stops first (then
        ``work`` is cancelled). Returns whether ``work`` finished."""
        gone = asyncio.ensure_future(self._gone.wait())
        stopping = asyncio.ensure_future(self.owner.stopping.wait())
        try:
            await asyncio.wait({work, gone, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            stopping.cancel()
        if work.done():
            return True
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work
        return False

    def _drop(self) -> None:
        """Close the connection without answering."""
        with contextlib.suppress(Exception):
            self.detach().close()

    def _send_json(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False).encode("utf-8"))


class _ApiHandler(_Handler):
    async def get(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._serve(token, method)

    def _params(self) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = {
            name: values[-1].decode("utf-8", "replace")
            for name, values in self.request.query_arguments.items()
        }
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            body = json.loads(self.request.body)
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            params.update(body)
        else:
            for name, values in self.request.body_arguments.items():
                params[name] = values[-1].decode("utf-8", "replace")
        files = {
            name: (parts[-1].filename, parts[-1].body)
            for name, parts in self.request.files.items()
            if parts
        }
        return params, files

    async def _serve(self, token: str, method: str) -> None:
        try:
            params, files = self._params()
        except ValueError:
            self._send_json(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"}
            )
            return
        api = self.owner.api
        call = asyncio.ensure_future(api.handle(method, params, files, token=token))
        if not await self._race(call):
            self._drop()
            return
        try:
            status, body = call.result()
        except SimulatedTimeout:
            await self._race(asyncio.ensure_future(asyncio.sleep(self.owner.hold_timeout)))
            self._drop()
            return
        except SimulatedDisconnect:
            self._drop()
            return
        self._send_json(status, body)


class _FileHandler(_Handler):
    async def get(self, token: str, path: str) -> None:
        data = self.owner.api.file_by_path(path, token)
        if data is None:
            self._send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(data)


class _ControlHandler(_Handler):
    """``/_fake/<action>``: drive the fake from outside the process (manual trials)."""

    async def get(self, action: str) -> None:
        api = self.owner.api
        if action == "state":
            self._send_json(
                200,
                {
                    "bot": {"id": api.bot_id, "username": api.username},
                    "users": [
                        {**u.to_dict(), "blocked": u.blocked, "deactivated": u.deactivated}
                        for u in api.users.values()
                    ],
                    "pending_updates": len(api.pending_updates),
                    "sent_message_count": api.sent_message_count,
                },
            )
        elif action == "messages":
            chat_id = int(self.get_query_argument("chat_id"))
            self._send_json(200, api.messages(chat_id))
        else:
            self._send_json(404, {"error": f"unknown action {action!r}"})

    async def post(self, action: str) -> None:
        api = self.owner.api
        try:
            body = json.loads(self.request.body or b"{}")
            if action == "add_user":
                result: Any = api.add_user(
                    body["first_name"],
                    body.get("last_name"),
                    body.get("username"),
                    body.get("language_code", "id"),
                ).to_dict()
                self._send_json(200, result)
                return
            user = api.users[int(body["user_id"])]
            if action == "send_text":
                result = api.send_text(user, body["text"])
            elif action == "send_contact":
                result = api.send_contact(
                    user, body["phone_number"], own=bool(body.get("own", True))
                )
            elif action == "press_button":
                result = api.press_button(
                    user,
                    int(body["message_id"]),
                    body["data"],
                    chat=body.get("chat_id"),
                    forge=bool(body.get("forge", False)),
                )
            elif action == "block_bot":
                result = api.block_bot(user)
            elif action == "unblock_bot":
                result = api.unblock_bot(user)
            elif action == "deactivate":
                api.deactivate(user)
                result = True
            else:
                self._send_json(404, {"error": f"unknown action {action!r}"})
                return
        except (KeyError, ValueError, TypeError) as error:
            self._send_json(400, {"error": f"{type(error).__name__}: {error}"})
            return
        self._send_json(200, result)


class FakeBotAPIServer:
    """Serve ``api`` over HTTP on ``host:port`` (``port=0`` picks a free port).

    Args:
        api: the fake to serve (a new default :class:`FakeBotAPI` if omitted).
        host: interface to bind, 127.0.0.1 by default.
        port: TCP port; 0 for any free one (see :attr:`port` after :meth:`start`).
        hold_timeout: how long an injected timeout holds the answer at most.
        access_log: log every request through tornado's access log.
    """

    def __init__(
        self,
        api: FakeBotAPI | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        hold_timeout: float = 30.0,
        access_log: bool = False,
    ) -> None:
        self.api = api if api is not None else FakeBotAPI()
        self.host = host
        self.hold_timeout = hold_timeout
        self._requested_port = port
        self._port: int | None = None
        self._server: HTTPServer | None = None
        self._access_log = access_log
        self.stopping = asyncio.Event()

    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("FakeBotAPIServer is not started")
        return self._port

    @property
    def url(self) -> str:
        """``http://HOST:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url`` / ``Bot(base_url=...)``: ``http://HOST:PORT/bot``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder.base_file_url``: ``http://HOST:PORT/file/bot``."""
        return f"{self.url}/file/bot"

    def _application(self) -> Application:
        settings: dict[str, Any] = {}
        if not self._access_log:
            settings["log_function"] = lambda handler: None
        owner = {"owner": self}
        return Application(
            [
                (r"/bot([^/]*)/([^/]+)/?", _ApiHandler, owner),
                (r"/file/bot([^/]*)/(.+)", _FileHandler, owner),
                (r"/_fake/(\w+)", _ControlHandler, owner),
            ],
            **settings,
        )

    async def start(self) -> None:
        """Bind and start serving on the running loop."""
        if self._server is not None:
            raise RuntimeError("FakeBotAPIServer is already started")
        self.stopping = asyncio.Event()
        sockets = bind_sockets(self._requested_port, self.host, family=socket.AF_INET)
        server = HTTPServer(self._application())
        server.add_sockets(sockets)
        self._server = server
        self._port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening, abort pending requests (long polls, held answers) and close all
        connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.stop()
        await asyncio.sleep(0)
        await server.close_all_connections()

    async def __aenter__(self) -> FakeBotAPIServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
