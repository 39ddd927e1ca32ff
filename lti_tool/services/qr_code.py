"""The verification link as a QR code (segno) for web pages; the PDF draws its own."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> bytes:
    """A QR code of ``url`` as an SVG image for web pages, with a text title for screen readers."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=6, border=2, title="QR code of the verification link"
    )
    return out.getvalue()
