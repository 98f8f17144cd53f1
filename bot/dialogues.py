"""Half-finished dialogues (typing a name, a code, a reason): rows in ``chat_states``, so a
restart loses nothing. Handlers read and change them only through :class:`Dialogues`.

Each dialogue state is a frozen dataclass, a subclass of :class:`Dialogue` naming its
``kind``; its fields are what the next step needs (``JoinPhone(group_id, code, name)``).
A stored row is read back into that class with its field types checked, so a row written
by an older version, or tampered with, reads as no dialogue at all (``Dialogue.of``
returns None) rather than as a crash or a wrong value."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Protocol, Self, TypeVar

from db.models import ChatState

D = TypeVar("D", bound="Dialogue")


@dataclasses.dataclass(frozen=True)
class Dialogue:
    """A dialogue state's data. Subclasses are frozen dataclasses with a ``kind``."""

    kind: ClassVar[str] = ""

    def fields(self) -> dict[str, Any]:
        """What is stored in ``chat_states.data`` (JSON: tuples become lists)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def step(self, cls: type[D], **changes: Any) -> D:
        """The next state of the same dialogue: this one's fields (those ``cls`` has),
        changed by ``changes``."""
        names = {f.name for f in dataclasses.fields(cls)}
        carried = {k: v for k, v in self.fields().items() if k in names}
        return cls(**{**carried, **changes})

    @classmethod
    def of(cls, state: ChatState | None) -> Self | None:
        """This dialogue read back from ``state``; None when ``state`` is another kind or
        its data does not fit the fields (missing, extra or of another type)."""
        if state is None or state.kind != cls.kind:
            return None
        return cls.decode(state.data)

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> Self | None:
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                if f.default is not dataclasses.MISSING:
                    continue
                return None
            ok, value = _fit(hints[f.name], data[f.name])
            if not ok:
                return None
            values[f.name] = value
        if set(data) - {f.name for f in dataclasses.fields(cls)}:
            return None
        return cls(**values)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _fit(hint: Any, raw: Any) -> tuple[bool, Any]:
    """Whether ``raw`` (from JSON) is of type ``hint``, and the value to keep (lists become
    tuples). Knows the types dialogues use: int, str, bool, None, unions, tuple[X, ...] and
    fixed tuple[X, Y, ...]."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            ok, value = _fit(option, raw)
            if ok:
                return True, value
        return False, None
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(raw, list | tuple):
            return False, None
        if len(args) == 2 and args[1] is Ellipsis:  # tuple[X, ...]
            kinds = [args[0]] * len(raw)
        elif len(args) == len(raw):  # tuple[X, Y, Z]: a record of fixed fields
            kinds = list(args)
        else:
            return False, None
        items = [_fit(kind, r) for kind, r in zip(kinds, raw, strict=True)]
        if not all(ok for ok, _ in items):
            return False, None
        return True, tuple(v for _, v in items)
    if hint is type(None):
        return raw is None, None
    if hint is bool:
        return isinstance(raw, bool), raw
    if hint is int:
        return isinstance(raw, int) and not isinstance(raw, bool), raw
    if hint is str:
        return isinstance(raw, str), raw
    raise TypeError(f"dialogue field type not supported: {hint!r}")


class DialogueStore(Protocol):
    """The queries :class:`Dialogues` needs (``db/onboarding.py`` implements them)."""

    async def chat_state(self, telegram_id: int) -> ChatState | None: ...

    async def set_chat_state(
        self, telegram_id: int, kind: str, data: Mapping[str, Any], now: datetime
    ) -> None: ...

    async def clear_chat_state(self, telegram_id: int) -> bool: ...


class Dialogues:
    def __init__(self, db: DialogueStore) -> None:
        self._db = db

    async def state(self, telegram_id: int) -> ChatState | None:
        """Her pending dialogue, if any."""
        return await self._db.chat_state(telegram_id)

    async def start(self, telegram_id: int, dialogue: Dialogue, now: datetime) -> None:
        """Set (or replace) her pending dialogue."""
        await self._db.set_chat_state(telegram_id, dialogue.kind, dialogue.fields(), now)

    async def current(self, telegram_id: int, *kinds: type[D]) -> D | None:
        """Her pending dialogue if it is one of ``kinds`` (read back typed), else None."""
        state = await self._db.chat_state(telegram_id)
        for cls in kinds:
            found = cls.of(state)
            if found is not None:
                return found
        return None

    async def clear(self, telegram_id: int) -> bool:
        """End her pending dialogue; False if there was none."""
        return await self._db.clear_chat_state(telegram_id)
