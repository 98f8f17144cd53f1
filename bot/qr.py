"""The QR code of a deep link, as a PNG (``segno``, pure Python, no Pillow needed)."""

from __future__ import annotations

import io

import segno

QR_SCALE = 8
"""Pixels per module: a check-in link gives a picture of about 300 px, sharp enough for a
cheap phone's camera across a table, small enough to upload in a moment."""


def qr_png(link: str, *, scale: int = QR_SCALE) -> bytes:
    """The PNG of the QR code of ``link`` (error correction M, a quiet zone of 4)."""
    buffer = io.BytesIO()
    segno.make_qr(link, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
