"""A fake Telegram Bot API that behaves like Telegram, for tests, benchmarks and simulators.

* :class:`FakeBotAPI` (``core``) — the state machine: users, chats, messages, files,
  updates, commands; answers Bot API calls with Telegram's JSON and error wording; driving
  API to play users; fault injection; waiting helpers.
* :class:`FakeRequest` (``inprocess``) — a PTB ``BaseRequest`` answering from a fake in the
  same loop::

      app = (Application.builder().token(TOKEN)
             .request(FakeRequest(fake)).get_updates_request(FakeRequest(fake)).build())

* :class:`FakeBotAPIServer` (``server``) — the same fake over HTTP on 127.0.0.1 for a bot
  running in another process::

      async with FakeBotAPIServer(fake) as server:
          app = (Application.builder().token(TOKEN).base_url(server.base_url)
                 .base_file_url(server.base_file_url).build())

* ``python -m fakeapi --port 8081`` serves one standalone for manual trials.
"""

from fakeapi.core import (
    ApiError,
    CallRecord,
    ChatLike,
    FakeBotAPI,
    FakeChat,
    FakeUser,
    Hold,
    SimulatedDisconnect,
    SimulatedTimeout,
    StoredFile,
    TransportFault,
    iter_update_kinds,
)
from fakeapi.formatting import EntityParseError, detect_entities, parse_text
from fakeapi.inprocess import FakeRequest
from fakeapi.server import FakeBotAPIServer

__all__ = [
    "ApiError",
    "CallRecord",
    "ChatLike",
    "EntityParseError",
    "FakeBotAPI",
    "FakeBotAPIServer",
    "FakeChat",
    "FakeRequest",
    "FakeUser",
    "Hold",
    "SimulatedDisconnect",
    "SimulatedTimeout",
    "StoredFile",
    "TransportFault",
    "detect_entities",
    "iter_update_kinds",
    "parse_text",
]
