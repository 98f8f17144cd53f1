"""The one callback data scheme (``bot/callbacks.py``): typed fields, Telegram's 64-byte
limit, every button services send answered by a registered action with the same fields,
and the table of every prefix in ``docs/CALLBACKS.md`` current.

To regenerate the table: ``.venv/bin/python -c "import handlers; print(handlers.callback_table(),
end='')" > docs/CALLBACKS.md``."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from bot.callbacks import (
    CALLBACK_DATA_LIMIT,
    FOLLOW_UP,
    OUTBOX_CALLBACKS,
    SHARED_CALLBACKS,
    Callback,
    CallbackData,
    FollowUp,
)
from handlers import build_dispatcher, callback_table

TABLE = Path(__file__).resolve().parent.parent / "docs" / "CALLBACKS.md"


def test_fields_are_typed_and_checked() -> None:
    assert FOLLOW_UP.data(12, "c") == "kf:12:c"
    assert FOLLOW_UP.parse(["12", "c"]) == (12, "c")
    assert FOLLOW_UP.parse(["x", "c"]) is None
    assert FOLLOW_UP.parse(["12"]) is None
    with pytest.raises(TypeError):
        FOLLOW_UP.data("x", "c")
    with pytest.raises(TypeError):
        FOLLOW_UP.data(12)


def test_the_64_byte_limit_is_checked() -> None:
    wide = Callback("w", (str,))
    assert len(wide.data("x" * (CALLBACK_DATA_LIMIT - 2))) == CALLBACK_DATA_LIMIT
    with pytest.raises(ValueError):
        wide.data("x" * (CALLBACK_DATA_LIMIT - 1))
    with pytest.raises(ValueError):
        wide.data("a:b")


def test_every_button_services_send_has_its_handler() -> None:
    actions = build_dispatcher().actions
    for spec in (*OUTBOX_CALLBACKS, *SHARED_CALLBACKS):
        assert spec.prefix in actions, spec.prefix
        assert actions[spec.prefix].arg_types == spec.arg_types, spec.prefix


def test_the_table_of_prefixes_is_current() -> None:
    assert TABLE.read_text(encoding="utf-8") == callback_table()


def test_every_action_has_its_own_button_class() -> None:
    """A class per action: a frozen dataclass with its prefix and typed, named fields
    (an action declared in a handler module gets the handler's parameter names)."""
    actions = build_dispatcher().actions
    classes = [action.spec for action in actions.values()]
    assert len(set(classes)) == len(classes)
    for prefix, action in actions.items():
        spec = action.spec
        assert issubclass(spec, CallbackData) and dataclasses.is_dataclass(spec), prefix
        assert spec.prefix == prefix
        if spec.__name__.startswith("Button_"):  # made from the handler, not bot/callbacks.py
            params = list(inspect.signature(action.callback).parameters)[1:]
            assert list(spec.field_names()) == params, prefix
        values = [7 if kind is int else "x" for kind in spec.arg_types]
        button = spec(*values)
        with pytest.raises(dataclasses.FrozenInstanceError):
            button.__setattr__("prefix", "x")
        assert spec.decode(button.encode().split(":")[1:]) == button, prefix
    assert FollowUp(alert=12, action="c").encode() == "kf:12:c"
    assert FollowUp.decode(["12", "c"]) == FollowUp(12, "c")
