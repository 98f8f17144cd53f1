"""Photos of a meeting's activity, kept as its evidence for the SIKS-NG record.

No Telegram here: the handler passes the photo's sizes and, for the chosen size, its
bytes. A photo is kept as Telegram's file id (to send it again) plus a local copy under
``[reports] evidence_dir`` when it fits ``photo_max_kb``. A photo is group evidence, not a
member's data: erasing a member's data leaves it (the README says so).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from db.siks import NewPhoto

_SAFE_RE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class PhotoSize:
    file_id: str
    file_unique_id: str
    width: int
    height: int
    file_size: int | None


def choose_size(sizes: Sequence[PhotoSize], limit: int) -> PhotoSize | None:
    """The largest size whose file fits ``limit`` bytes (an unknown size counts as fitting
    only when it is the only choice); None when none fits or ``limit`` is 0."""
    if limit <= 0 or not sizes:
        return None
    fitting = [s for s in sizes if s.file_size is not None and s.file_size <= limit]
    if fitting:
        return max(fitting, key=lambda s: (s.width * s.height, s.file_size or 0))
    unknown = [s for s in sizes if s.file_size is None]
    return max(unknown, key=lambda s: s.width * s.height) if unknown else None


class EvidenceStore(Protocol):
    async def add_meeting_photo(self, photo: NewPhoto, now: datetime) -> tuple[int, bool]: ...

    async def set_photo_location(
        self, photo_id: int, facilitator_id: int, latitude: float, longitude: float
    ) -> bool: ...


@dataclass(frozen=True)
class KeptPhoto:
    photo_id: int
    new: bool
    local: bool  # a local copy was written


class Evidence:
    def __init__(self, store: EvidenceStore, folder: Path, max_bytes: int) -> None:
        self._store = store
        self.folder = folder
        self.max_bytes = max_bytes

    def local_file(self, relative: str) -> Path:
        return self.folder / relative

    async def keep(
        self,
        meeting_id: int,
        facilitator_id: int,
        largest: PhotoSize,
        copy: tuple[PhotoSize, bytes] | None,
        now: datetime,
    ) -> KeptPhoto:
        """Keep the photo (``largest``: the size whose file id is kept), with ``copy``, the
        chosen size and its bytes, written under the folder when within the limit."""
        relative: str | None = None
        size: int | None = None
        if copy is not None and 0 < len(copy[1]) <= self.max_bytes:
            chosen, data = copy
            relative = f"meeting-{meeting_id}/{_SAFE_RE.sub('_', chosen.file_unique_id)}.jpg"
            path = self.folder / relative
            await _write(path, data)
            size = len(data)
        kept_id, new = await self._store.add_meeting_photo(
            NewPhoto(
                meeting_id,
                facilitator_id,
                largest.file_id,
                largest.file_unique_id,
                largest.width,
                largest.height,
                relative,
                size,
            ),
            now,
        )
        return KeptPhoto(kept_id, new, relative is not None)

    async def locate(
        self, photo_id: int, facilitator_id: int, latitude: float, longitude: float
    ) -> bool:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return False
        return await self._store.set_photo_location(photo_id, facilitator_id, latitude, longitude)


async def _write(path: Path, data: bytes) -> None:
    """Write the copy atomically (a temporary file, then a rename), off the event loop."""

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    await asyncio.to_thread(write)
