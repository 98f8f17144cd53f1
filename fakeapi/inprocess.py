"""In-process transport: python-telegram-bot talks to a :class:`FakeBotAPI` without sockets.

PTB sends every Bot API call through a :class:`telegram.request.BaseRequest`;
:class:`FakeRequest` is one that answers from a :class:`FakeBotAPI` in the same event loop.
PTB's own ``BaseRequest`` machinery then turns the status and JSON into ``RetryAfter``,
``Forbidden``, ``BadRequest``, ``NetworkError``... exactly as with real Telegram.

Give it to *both* request slots; otherwise ``getUpdates`` goes to the real Telegram through a
default ``HTTPXRequest``::

    fake = FakeBotAPI()
    app = (
        Application.builder()
        .token("123456:TEST")
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .build()
    )
    # or a bare bot:
    bot = Bot("123456:TEST", request=FakeRequest(fake), get_updates_request=FakeRequest(fake))

File downloads (``File.download_to_memory`` on the URL built from ``base_file_url``) are
answered too, whatever the base URLs are, as long as the paths look like Telegram's
(``.../bot<token>/<method>`` and ``.../file/bot<token>/<file_path>``).

An injected timeout raises :class:`telegram.error.TimedOut` immediately (no real waiting); an
injected dropped connection raises :class:`telegram.error.NetworkError`, with the message
httpx would produce.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from fakeapi.core import FakeBotAPI, SimulatedDisconnect, SimulatedTimeout

__all__ = ["FakeRequest", "split_api_path"]

_FILE_PATH_RE = re.compile(r"/file/bot(?P<token>[^/]*)/(?P<path>.+)$")
_API_PATH_RE = re.compile(r"(?:^|/)bot(?P<token>[^/]*)/(?P<method>[^/]+)/?$")


def split_api_path(path: str) -> tuple[str | None, str]:
    """``/bot<token>/<method>`` → ``(token, method)``; a path without a ``bot<token>`` segment
    gives ``(None, last segment)``."""
    match = _API_PATH_RE.search(path)
    if match is not None:
        return match["token"], match["method"]
    return None, path.rstrip("/").rsplit("/", 1)[-1]


class FakeRequest(BaseRequest):
    """A PTB request backend answering from a :class:`FakeBotAPI`.

    Args:
        api: the fake to talk to.
        read_timeout: what :attr:`read_timeout` reports; PTB adds it to the long-polling
            ``timeout`` of ``getUpdates``. It does not delay anything.
    """

    __slots__ = ("_api", "_read_timeout")

    def __init__(self, api: FakeBotAPI, *, read_timeout: float | None = 5.0) -> None:
        self._api = api
        self._read_timeout = read_timeout

    @property
    def api(self) -> FakeBotAPI:
        return self._api

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route one PTB request into the fake and return ``(status, JSON bytes)``."""
        path = unquote(urlsplit(url).path)
        file_match = _FILE_PATH_RE.search(path)
        if method == "GET" and file_match is not None:
            data = self._api.file_by_path(file_match["path"], file_match["token"])
            if data is None:
                return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
            return 200, data

        token, api_method = split_api_path(path)
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data is not None and request_data.contains_files:
            for part, (filename, content, _mime) in request_data.multipart_data.items():
                files[part] = (filename, content if isinstance(content, bytes) else content.read())
        try:
            status, body = await self._api.handle(api_method, params, files, token=token)
        except SimulatedTimeout as fault:
            raise TimedOut(f"Timed out (simulated) calling {fault.method}") from fault
        except SimulatedDisconnect as fault:
            raise NetworkError(
                "httpx.RemoteProtocolError: Server disconnected without sending a response."
            ) from fault
        return status, json.dumps(body, ensure_ascii=False).encode("utf-8")
