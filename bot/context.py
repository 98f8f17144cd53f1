"""A typed CallbackContext: ``context.services`` instead of string keys everywhere."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services

_SERVICES_KEY = "services"
_MENUS_KEY = "menus"

BotApplication = Application[
    ExtBot[None], "BotContext", dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        services = self.application.bot_data.get(_SERVICES_KEY)
        if not isinstance(services, Services):  # pragma: no cover - wiring bug
            raise RuntimeError("services are not attached to the application")
        return services

    @property
    def menus(self) -> Any:
        """The handler dispatcher, which sets per-role command menus."""
        return self.application.bot_data[_MENUS_KEY]


def attach_menus(application: Application[Any, Any, Any, Any, Any, Any], menus: object) -> None:
    application.bot_data[_MENUS_KEY] = menus


def attach_services(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    application.bot_data[_SERVICES_KEY] = services


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    services = application.bot_data.get(_SERVICES_KEY)
    if not isinstance(services, Services):
        raise RuntimeError("services are not attached to the application")
    return services
