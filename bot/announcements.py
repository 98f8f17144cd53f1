"""Announcements: a leader writes to her own group, a facilitator to one or all of hers.

No Telegram here. The service decides who may write to which group, checks the text and
the daily quota, renders the message exactly as members will see it, and fans it out
through the outbox (keys ``announce:{announcement}:{participant}``, so
``db.counts(delivery_prefix(id))`` gives its delivery counts). The facilitator gets a copy
of every announcement a leader sends to one of her groups (key ``announce-copy:...``, kept
out of the members' counts).

Text is never markup: it goes through :meth:`Catalog.t`, which escapes it, so ``<b>``,
``<a href=...>`` and ``&`` arrive exactly as typed.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.auth import Actor, owns_group
from bot.crashpoints import crash_point
from bot.i18n import Catalog, Html
from db.announcements import Announcement, FanOut, NewAnnouncement, QuotaWindow
from db.models import Facilitator, Group, GroupSummary, Participant
from db.outbox import NewMessage, QuietRule

TEXT_LIMIT = 3500
"""Characters (UTF-16 code units, as Telegram counts) of a text announcement. With the
header (group and author names of at most 60 characters each) the message stays well
under Telegram's 4096."""
PHOTO_TEXT_LIMIT = 700
"""Characters of the text under a photo: header, the facilitator's copy line and the text
stay under Telegram's 1024 for a caption."""

STILL_RELEVANT = timedelta(days=7)
"""An announcement she missed while the bot could not reach her is still sent to her when
she can be reached again, up to this long after it was written (a week: announcements are
about the coming days)."""

MEMBER_KEY = "announce"
COPY_KEY = "announce-copy"
KIND = "announcement"


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    QUOTA = "quota"
    NOT_YOURS = "not_yours"  # a group that is not hers, or she is no longer its leader


@dataclass(frozen=True)
class Draft:
    """What the author composed, kept in her chat state until she confirms."""

    token: str
    group_ids: tuple[int, ...]
    text: str
    photo: str | None = None


@dataclass(frozen=True)
class Sent:
    announcement: Announcement
    queued: int  # new outbox rows to members (0 when the same draft was confirmed again)
    fresh: bool


@dataclass(frozen=True)
class Delivery:
    announcement: Announcement
    delivered: int
    failed: int
    unreachable: int  # blocked while sending, or not reachable at all when it was sent
    pending: int

    @property
    def done(self) -> bool:
        return self.pending == 0


def new_token() -> str:
    return secrets.token_urlsafe(9)


def delivery_prefix(announcement_id: int) -> str:
    return f"{MEMBER_KEY}:{announcement_id}:"


def member_key(announcement_id: int, participant_id: int) -> str:
    return f"{delivery_prefix(announcement_id)}{participant_id}"


def copy_key(announcement_id: int, facilitator_id: int) -> str:
    return f"{COPY_KEY}:{announcement_id}:{facilitator_id}"


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def text_limit(photo: str | None) -> int:
    return PHOTO_TEXT_LIMIT if photo else TEXT_LIMIT


def check_text(text: str, photo: str | None) -> Problem | None:
    if not text.strip() and not photo:
        return Problem.EMPTY
    if telegram_length(text.strip()) > text_limit(photo):
        return Problem.TOO_LONG
    return None


def local_day(now: datetime, tz: str, limit: int) -> QuotaWindow:
    """Her local calendar day around ``now`` in the zone ``tz``, as a UTC window."""
    zone = ZoneInfo(tz)
    day: date = now.astimezone(zone).date()
    start = datetime.combine(day, time(0, 0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
    return QuotaWindow(start, end, limit)


class AnnouncementStore(Protocol):
    """The queries this service needs (implemented in ``db/``)."""

    quiet_rule: QuietRule | None

    async def active_members(self, group_ids: Sequence[int]) -> list[Participant]: ...

    async def announcement(self, announcement_id: int) -> Announcement | None: ...

    async def announcements_in(
        self, author_telegram_id: int, author_kind: str, window: QuotaWindow
    ) -> int: ...

    async def announcements_to_group_since(
        self, group_id: int, since: datetime
    ) -> list[Announcement]: ...

    async def counts(self, key_prefix: str = ...) -> dict[str, int]: ...

    async def create_announcement(
        self,
        item: NewAnnouncement,
        quota: QuotaWindow | None,
        now: datetime,
        fan_out: FanOut | None = ...,
    ) -> tuple[Announcement | None, bool]: ...

    async def facilitator(self, facilitator_id: int) -> Facilitator | None: ...

    async def first_queued_at(self, key_prefix: str) -> datetime | None: ...

    async def group(self, group_id: int) -> Group | None: ...

    async def groups_of(self, facilitator_id: int) -> list[GroupSummary]: ...

    async def offer_announcements_again(
        self, offers: Sequence[tuple[int, NewMessage]], now: datetime
    ) -> int: ...


class Announcements:
    def __init__(
        self,
        db: AnnouncementStore,
        catalog: Catalog,
        daily_quota_per_leader: int,
        on_enqueued: Callable[[], Awaitable[None] | None] | None = None,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._quota = daily_quota_per_leader
        self._on_enqueued = on_enqueued

    # -- who may write where ------------------------------------------------------------

    async def target_groups(self, actor: Actor, group_id: int | None) -> list[Group] | None:
        """The groups she may announce to: ``group_id``, or all of hers when None.

        A leader: only her own group. A facilitator: her groups. None when the group is
        not hers (a forged button) or she has none.
        """
        if actor.facilitator is not None:
            groups = [s.group for s in await self._db.groups_of(actor.facilitator.id)]
            if group_id is not None:
                groups = [g for g in groups if g.id == group_id]
            return groups or None
        participant, group = actor.participant, actor.group
        if participant is None or group is None or not participant.active:
            return None
        if group.leader_id != participant.id:
            return None
        if group_id is not None and group_id != group.id:
            return None
        return [group]

    async def valid_targets(self, actor: Actor, group_ids: Sequence[int]) -> list[Group] | None:
        """The draft's groups, if every one is still hers."""
        if not group_ids:
            return None
        found: list[Group] = []
        for group_id in group_ids:
            groups = await self.target_groups(actor, group_id)
            if groups is None:
                return None
            found.extend(groups)
        return found

    def quota_window(self, actor: Actor, now: datetime) -> QuotaWindow | None:
        """The leader's quota for today; None for facilitators (no quota)."""
        if actor.facilitator is not None or actor.group is None:
            return None
        return local_day(now, actor.group.timezone, self._quota)

    async def quota_left(self, actor: Actor, now: datetime) -> int | None:
        window = self.quota_window(actor, now)
        if window is None:
            return None
        used = await self._db.announcements_in(actor.telegram_id, "leader", window)
        return max(0, window.limit - used)

    # -- rendering ------------------------------------------------------------------------

    def _author(self, kind: str, name: str) -> dict[str, object]:
        role = self._catalog.t(f"announce.role_{kind}")
        return {"author": name, "role": Html(role)}

    def render(self, kind: str, author: str, group: Group, text: str) -> str:
        """The announcement as members see it (Telegram HTML, the text escaped)."""
        return self._catalog.t(
            "announce.message", group=group.name, text=text.strip(), **self._author(kind, author)
        )

    def render_copy(self, kind: str, author: str, group: Group, text: str) -> str:
        body = self.render(kind, author, group, text)
        return self._catalog.t("announce.copy", message=Html(body))

    def author_of(self, actor: Actor) -> tuple[str, str]:
        """(kind, name) of the author."""
        if actor.facilitator is not None:
            return "facilitator", actor.facilitator.name
        assert actor.participant is not None
        return "leader", actor.participant.name

    def preview(self, actor: Actor, group: Group, draft: Draft) -> str:
        kind, name = self.author_of(actor)
        return self.render(kind, name, group, draft.text)

    async def recipients(self, groups: Sequence[Group], actor: Actor) -> tuple[int, int]:
        """(members who will get it, active members the bot cannot write to)."""
        members = await self._db.active_members([g.id for g in groups])
        members = [m for m in members if m.telegram_id != actor.telegram_id]
        reachable = sum(1 for m in members if m.reachable and m.telegram_id is not None)
        return reachable, len(members) - reachable

    # -- sending --------------------------------------------------------------------------

    async def confirm(self, actor: Actor, draft: Draft, now: datetime) -> Sent | Problem:
        """Store the announcement and queue one message per member of its groups.

        Everything is checked again here (the role, the groups, the text, the quota):
        the draft waited in the chat state and the world may have changed meanwhile.
        Confirming the same draft twice queues nothing new.
        """
        groups = await self.valid_targets(actor, draft.group_ids)
        if groups is None:
            return Problem.NOT_YOURS
        problem = check_text(draft.text, draft.photo)
        if problem is not None:
            return problem
        kind, name = self.author_of(actor)
        item = NewAnnouncement(
            draft=draft.token,
            author_kind=kind,
            author_telegram_id=actor.telegram_id,
            author_participant_id=actor.participant.id if actor.participant else None,
            author_facilitator_id=actor.facilitator.id if actor.facilitator else None,
            author_name=name,
            text=draft.text.strip(),
            photo_file_id=draft.photo,
            group_ids=tuple(g.id for g in groups),
        )
        fan_out = await self._fan_out(item, groups, actor, now)
        announcement, fresh = await self._db.create_announcement(
            item, self.quota_window(actor, now), now, fan_out
        )
        if announcement is None:
            return Problem.QUOTA
        crash_point("announce-committed")
        if not fresh:
            return Sent(announcement, 0, fresh=False)
        if self._on_enqueued is not None:
            result = self._on_enqueued()
            if result is not None:
                await result
        return Sent(announcement, fan_out.recipients, fresh=True)

    async def _fan_out(
        self, item: NewAnnouncement, groups: Sequence[Group], actor: Actor, now: datetime
    ) -> FanOut:
        """Who gets it and what: the messages are made inside the transaction that stores
        the announcement (their keys hold its id), so both commit together or not at all."""
        members: list[tuple[Participant, int, str]] = []  # member, chat, text
        skipped = 0
        by_id = {g.id: g for g in groups}
        kind, author = item.author_kind, item.author_name
        rendered = {g.id: self.render(kind, author, g, item.text) for g in groups}
        for member in await self._db.active_members(list(by_id)):
            if member.telegram_id == actor.telegram_id:
                continue  # the author saw the preview
            if not member.reachable or member.telegram_id is None:
                skipped += 1
                continue
            members.append((member, member.telegram_id, rendered[member.group_id]))
        copies: list[tuple[int, int, str]] = []  # facilitator, chat, text
        if kind == "leader":
            for group in groups:
                facilitator = await self._db.facilitator(group.facilitator_id)
                if facilitator is not None:
                    text = self.render_copy(kind, author, group, item.text)
                    copies.append((facilitator.id, facilitator.telegram_id, text))

        def messages(announcement_id: int) -> list[NewMessage]:
            out = [
                NewMessage(
                    key=member_key(announcement_id, member.id),
                    chat_id=chat,
                    participant_id=member.id,
                    kind=KIND,
                    text=text,
                    buttons=None,
                    not_before=now,
                    photo=item.photo_file_id,
                )
                for member, chat, text in members
            ]
            out.extend(
                NewMessage(
                    key=copy_key(announcement_id, facilitator_id),
                    chat_id=chat,
                    participant_id=None,
                    kind=KIND,
                    text=text,
                    buttons=None,
                    not_before=now,
                    photo=item.photo_file_id,
                )
                for facilitator_id, chat, text in copies
            )
            return out

        return FanOut(messages, recipients=len(members), skipped=skipped)

    async def offer_again(self, participant: Participant, now: datetime) -> int:
        """A :class:`~bot.reachability.Reachability` listener: she can be reached again, so
        the announcements her group got in the last :data:`STILL_RELEVANT` (since she
        joined) that never reached her are queued for her, under their usual key (so the
        delivery counts stay right; one she already got is not sent again)."""
        chat = participant.telegram_id
        group = await self._db.group(participant.group_id)
        if chat is None or group is None or not participant.active:
            return 0
        since = max(now - STILL_RELEVANT, participant.joined_at)
        offers = [
            (
                a.id,
                NewMessage(
                    key=member_key(a.id, participant.id),
                    chat_id=chat,
                    participant_id=participant.id,
                    kind=KIND,
                    text=self.render(a.author_kind, a.author_name, group, a.text),
                    buttons=None,
                    not_before=now,
                    photo=a.photo_file_id,
                ),
            )
            for a in await self._db.announcements_to_group_since(group.id, since)
            if a.author_telegram_id != chat and (a.text.strip() or a.photo_file_id)
        ]
        queued = await self._db.offer_announcements_again(offers, now) if offers else 0
        if queued and self._on_enqueued is not None:
            result = self._on_enqueued()
            if result is not None:
                await result
        return queued

    # -- results --------------------------------------------------------------------------

    async def may_see(self, actor: Actor, announcement: Announcement) -> bool:
        """Its author, or the facilitator of every group it went to."""
        if actor.facilitator is not None:
            for group_id in announcement.group_ids:
                if not owns_group(actor, await self._db.group(group_id)):
                    return False
            return bool(announcement.group_ids)
        return (
            announcement.author_kind == "leader"
            and announcement.author_telegram_id == actor.telegram_id
        )

    def quiet_now(self, groups: Sequence[Group], now: datetime) -> tuple[datetime, str] | None:
        """When members would get it if sent now, if the quiet hours hold it (the outbox's
        own rule), with the zone to say it in; None when it would go out at once."""
        rule = self._db.quiet_rule
        if rule is None or not groups:
            return None
        tz = groups[0].timezone
        hold = rule(now, tz)
        return (hold.not_before, tz) if hold.not_before > now else None

    async def held_until(
        self, announcement: Announcement, now: datetime
    ) -> tuple[datetime, str] | None:
        """When its messages to members go out, with the zone to say it in, if the quiet
        hours hold them (the outbox gate decides); None when they go out now."""
        first = await self._db.first_queued_at(delivery_prefix(announcement.id))
        if first is None or first <= now or not announcement.group_ids:
            return None
        group = await self._db.group(announcement.group_ids[0])
        return first, group.timezone if group is not None else "Asia/Jakarta"

    async def delivery(self, actor: Actor, announcement_id: int) -> Delivery | None:
        announcement = await self._db.announcement(announcement_id)
        if announcement is None or not await self.may_see(actor, announcement):
            return None
        counts = await self._db.counts(delivery_prefix(announcement.id))
        return Delivery(
            announcement=announcement,
            delivered=counts["sent"],
            failed=counts["failed"],
            unreachable=counts["blocked"] + announcement.skipped,
            pending=counts["queued"] + counts["sending"],
        )
