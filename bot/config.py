"""Typed, validated settings read from ``config.toml``.

Everything the bot can be told lives in the TOML file, except the bot token,
which comes from the environment (``TELEGRAM_BOT_TOKEN``) and is wrapped in
:class:`Secret` so it never shows up in a ``repr`` or a log line.

A wrong value raises :class:`ConfigError`, whose message is one line naming
the file and the key, e.g. ``config.toml: [telegram] mode: must be one of ...``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config_reader import (
    ConfigError,
    Reader,
    parse_duration,
    read_days_off,
    read_duration,
    read_hhmm,
)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
_TOKEN_RE = re.compile(r"^\d{3,12}:[A-Za-z0-9_-]{20,}$")
DATABASE_PASSWORD_ENV = "P2K2_DATABASE_PASSWORD"
_URL_PASSWORD_RE = re.compile(r"^postgres(?:ql)?://[^/@]*:[^/@]*@")


class Secret:
    """A string that does not reveal itself in ``repr``/``str``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class WebhookSettings:
    listen: str
    port: int
    url_path: str
    public_url: str
    secret_token_env: str


@dataclass(frozen=True)
class TelegramSettings:
    base_url: str
    base_file_url: str
    mode: str
    poll_timeout: int
    bot_username: str
    webhook: WebhookSettings


@dataclass(frozen=True)
class ScheduleSettings:
    tick_seconds: float
    reminder_offsets: tuple[timedelta, ...]
    quiet_start: time
    quiet_end: time
    stale_after: timedelta
    days_off: tuple[tuple[date, str], ...] = ()
    """The district's own days off on top of the national holidays: (day, name or "")."""


@dataclass(frozen=True)
class OutboxSettings:
    rate_per_second: float
    per_chat_interval: float
    max_attempts: int
    batch_size: int


@dataclass(frozen=True)
class AttendanceSettings:
    open_before: timedelta  # the check-in window opens this long before the start
    meeting_length: timedelta
    close_after: timedelta  # ... and closes this long after the meeting's end
    late_grace: timedelta  # a check-in written in the window may arrive this late
    max_wrong_codes: int
    alert_in_a_row: int  # alert after N unexcused misses in a row ...
    alert_m: int  # ... or M unexcused misses ...
    alert_k: int  # ... among the last K meetings
    alert_remind_after: timedelta  # an alert still open this long is brought back once
    code_every: timedelta = timedelta(minutes=5)  # the code and QR change this often (0: never)
    far_meters: int = 300  # a check-in farther than this from the meeting place is flagged
    very_late_after: timedelta = timedelta(minutes=60)  # ... and one after start + this


@dataclass(frozen=True)
class AnnouncementSettings:
    daily_quota_per_leader: int


@dataclass(frozen=True)
class VoiceSettings:
    """Voice notes (bot/voice): synthesized with eSpeak NG, cached under ``cache_dir``."""

    enabled: bool = True
    cache_dir: Path = Path("data/voice")
    rate: int = 165  # words per minute (eSpeak's default is 175)
    pitch: int = 40  # 0-99 (eSpeak's default is 50)


@dataclass(frozen=True)
class ReportSettings:
    """The SIKS-NG activity record: who is named as Pemateri, and the photo evidence."""

    institution: str  # the facilitator's institution (Instansi of the first Pemateri)
    other_speakers: tuple[tuple[str, str], ...]  # further Pemateri: (Nama, Instansi)
    forms_dir: Path  # the form definitions (content/forms)
    evidence_dir: Path  # local copies of the activity photos
    photo_max_bytes: int  # a larger photo keeps only its Telegram file id


FORMS_DIR = Path(__file__).resolve().parent.parent / "content" / "forms"
"""The form definitions shipped with the bot."""


def _speakers(reader: Reader) -> tuple[tuple[str, str], ...]:
    """``other_speakers = ["Nama | Instansi", ...]``: at most two (the form takes three)."""
    raw = reader._get("other_speakers", [])
    example = 'must be a list like ["Bidan Sari | Puskesmas Sukamaju"] (at most 2)'
    if not isinstance(raw, list) or len(raw) > 2 or not all(isinstance(i, str) for i in raw):
        raise reader.fail("other_speakers", example)
    found = []
    for item in raw:
        name, sep, institution = item.partition("|")
        if not sep or not name.strip() or not institution.strip():
            raise reader.fail("other_speakers", f"{item!r}: {example}")
        found.append((name.strip()[:100], institution.strip()[:100]))
    return tuple(found)


@dataclass(frozen=True)
class Settings:
    config_path: Path
    database: Path
    """The SQLite file (unused with ``database_url``: only its folder, for the evidence)."""
    database_url: str | None
    """``bot.database`` as a ``postgresql://`` URL (no password: that is in the env)."""
    content_dir: Path
    default_timezone: str
    invite_ttl: timedelta
    log_level: str
    telegram: TelegramSettings
    schedule: ScheduleSettings
    outbox: OutboxSettings
    attendance: AttendanceSettings
    announcements: AnnouncementSettings
    token: Secret | None
    voice: VoiceSettings = VoiceSettings()
    reports: ReportSettings = field(
        default_factory=lambda: ReportSettings(
            "Kementerian Sosial RI", (), FORMS_DIR, Path("data/evidence"), 5_000_000
        )
    )

    @property
    def database_target(self) -> Path | str:
        """What ``db.Database.open`` opens: the PostgreSQL URL, else the SQLite file."""
        return self.database_url or self.database

    @property
    def database_label(self) -> str:
        """The database as shown to an operator (never with a password)."""
        return self.database_url or str(self.database)

    def require_token(self) -> Secret:
        if self.token is None:
            raise ConfigError(
                self.config_path,
                TOKEN_ENV,
                "environment variable is not set; put the token from @BotFather there",
            )
        return self.token


TIMEZONES: Mapping[str, str] = {
    "Asia/Jakarta": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def load_settings(path: Path | str, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate ``path``; relative paths in it are relative to its folder."""
    path = Path(path)
    env = os.environ if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "file", "not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "syntax", str(exc)) from None
    base = path.resolve().parent
    root = Reader(path, "", raw)

    b = root.table("bot")
    database_text = b.str_("database", "data/p2k2.db")
    database_url: str | None = None
    if database_text.startswith(("postgresql://", "postgres://")):
        if _URL_PASSWORD_RE.search(database_text):
            raise ConfigError(
                path,
                "bot.database",
                f"put no password in the URL; set {DATABASE_PASSWORD_ENV} (or PGPASSWORD)",
            )
        database_url = database_text
        database_text = "data/p2k2.db"  # not opened: only its folder holds the evidence
    database = _resolve(base, database_text)
    content_dir = _resolve(base, b.str_("content_dir", "content/modules"))
    default_tz = b.str_("default_timezone", "Asia/Jakarta", choices=tuple(TIMEZONES))
    invite_ttl = timedelta(hours=b.int_("invite_ttl_hours", 72, low=1, high=24 * 60))
    log_level = b.str_(
        "log_level", "INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    )
    b.finish()

    t = root.table("telegram")
    base_url = t.str_("base_url", "https://api.telegram.org/bot")
    base_file_url = t.str_("base_file_url", "https://api.telegram.org/file/bot")
    for name, url in (("base_url", base_url), ("base_file_url", base_file_url)):
        if not url.startswith(("http://", "https://")):
            raise t.fail(name, f"must start with http:// or https://, got {url!r}")
    mode = t.str_("mode", "polling", choices=("polling", "webhook"))
    poll_timeout = t.int_("poll_timeout", 30, low=0, high=60)
    bot_username = t.str_("bot_username", "").lstrip("@")
    w = t.table("webhook")
    webhook = WebhookSettings(
        listen=w.str_("listen", "127.0.0.1"),
        port=w.int_("port", 8443, low=1, high=65535),
        url_path=w.str_("url_path", "telegram").strip("/"),
        public_url=w.str_("public_url", ""),
        secret_token_env=w.str_("secret_token_env", "TELEGRAM_WEBHOOK_SECRET"),
    )
    if mode == "webhook" and not webhook.public_url.startswith("https://"):
        raise w.fail("public_url", "webhook mode needs the public https:// address of the bot")
    w.finish()
    t.finish()

    s = root.table("schedule")
    tick_seconds = s.float_("tick_seconds", 20.0, low=0.05, high=600.0)
    offsets_raw = s._get("reminder_offsets", ["3d", "1d", "2h"])
    if not isinstance(offsets_raw, list) or not all(isinstance(o, str) for o in offsets_raw):
        raise s.fail("reminder_offsets", 'must be a list like ["3d", "1d", "2h"]')
    try:
        offsets = tuple(sorted({parse_duration(o) for o in offsets_raw}, reverse=True))
    except ValueError as exc:
        raise s.fail(
            "reminder_offsets", f'{exc} is not a duration like "3d", "1d", "2h" or "30m"'
        ) from None
    quiet_start = read_hhmm(s, "quiet_start", "21:00")
    quiet_end = read_hhmm(s, "quiet_end", "06:00")
    stale_after = read_duration(s, "stale_after", "12h")
    days_off = read_days_off(s)
    s.finish()

    o = root.table("outbox")
    outbox = OutboxSettings(
        rate_per_second=o.float_("rate_per_second", 25.0, low=0.0, high=1000.0),
        per_chat_interval=o.float_("per_chat_interval", 1.0, low=0.0, high=60.0),
        max_attempts=o.int_("max_attempts", 6, low=1, high=100),
        batch_size=o.int_("batch_size", 200, low=1, high=10000),
    )
    o.finish()

    a = root.table("attendance")
    attendance = AttendanceSettings(
        open_before=read_duration(a, "open_before", "30m"),
        meeting_length=read_duration(a, "meeting_length", "120m"),
        close_after=read_duration(a, "close_after", "30m"),
        late_grace=read_duration(a, "late_grace", "2h"),
        max_wrong_codes=a.int_("max_wrong_codes", 5, low=1, high=50),
        alert_in_a_row=a.int_("alert_in_a_row", 2, low=1, high=24),
        alert_m=a.int_("alert_m", 3, low=1, high=24),
        alert_k=a.int_("alert_k", 6, low=1, high=24),
        alert_remind_after=read_duration(a, "alert_remind_after", "7d"),
        code_every=read_duration(a, "code_every", "5m"),
        far_meters=a.int_("far_meters", 300, low=10, high=100_000),
        very_late_after=read_duration(a, "very_late_after", "60m"),
    )
    if attendance.alert_m > attendance.alert_k:
        raise a.fail("alert_m", "must not be larger than alert_k")
    a.finish()

    n = root.table("announcements")
    announcements = AnnouncementSettings(
        daily_quota_per_leader=n.int_("daily_quota_per_leader", 3, low=0, high=100)
    )
    n.finish()

    v = root.table("voice")
    voice = VoiceSettings(
        enabled=v.bool_("enabled", True),
        cache_dir=_resolve(base, v.str_("cache_dir", "data/voice")),
        rate=v.int_("rate", 165, low=80, high=300),
        pitch=v.int_("pitch", 40, low=0, high=99),
    )
    v.finish()
    r = root.table("reports")
    forms_dir = r.str_("forms_dir", "")
    evidence_dir = r.str_("evidence_dir", "")
    reports = ReportSettings(
        institution=r.str_("institution", "Kementerian Sosial RI").strip()[:100]
        or "Kementerian Sosial RI",
        other_speakers=_speakers(r),
        forms_dir=_resolve(base, forms_dir) if forms_dir else FORMS_DIR,
        evidence_dir=_resolve(base, evidence_dir)
        if evidence_dir
        else database.parent / "evidence",
        photo_max_bytes=r.int_("photo_max_kb", 5000, low=0, high=20_000) * 1000,
    )
    r.finish()
    root.finish()

    token_value = env.get(TOKEN_ENV, "").strip()
    token: Secret | None = None
    if token_value:
        if not _TOKEN_RE.match(token_value):
            raise ConfigError(
                path, TOKEN_ENV, "does not look like a bot token (digits, a colon, then letters)"
            )
        token = Secret(token_value)

    return Settings(
        config_path=path,
        database=database,
        database_url=database_url,
        content_dir=content_dir,
        default_timezone=default_tz,
        invite_ttl=invite_ttl,
        log_level=log_level,
        telegram=TelegramSettings(
            base_url=base_url,
            base_file_url=base_file_url,
            mode=mode,
            poll_timeout=poll_timeout,
            bot_username=bot_username,
            webhook=webhook,
        ),
        schedule=ScheduleSettings(
            tick_seconds=tick_seconds,
            reminder_offsets=offsets,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
            stale_after=stale_after,
            days_off=days_off,
        ),
        outbox=outbox,
        attendance=attendance,
        announcements=announcements,
        token=token,
        voice=voice,
        reports=reports,
    )


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:  # pragma: no cover - tzdata is a dependency
        raise ValueError(name) from exc
