"""The printable certificate: an A4 landscape PDF (reportlab) with a QR code (segno) to verify it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import reportlab
import segno
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from lti_tool.services.open_badges import BADGE_IMAGE

_FONTS = Path(reportlab.__file__).resolve().parent / "fonts"
BRAND, INK, MUTED, GOLD = HexColor("#1f5fa8"), HexColor("#1b1f24"), HexColor("#4a5360"), HexColor("#f2b705")


@dataclass(frozen=True)
class CertificateText:
    """Everything the certificate says, decided by the caller (the school's name rules apply)."""

    school: str
    programme_title: str
    learner_name: str | None  # None: the school shows no names
    earned_at: datetime
    expires_at: datetime
    code: str
    verify_url: str
    is_renewal: bool = False


def _register_fonts() -> None:
    # Bitstream Vera ships with reportlab: the PDF embeds it, so it prints the same everywhere.
    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vera", str(_FONTS / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("Vera-Bold", str(_FONTS / "VeraBd.ttf")))


def render(text: CertificateText) -> bytes:
    """The certificate as PDF bytes."""
    _register_fonts()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = Canvas(out, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"Certificate: {text.programme_title}")
    pdf.setAuthor(text.school)
    pdf.setSubject(f"Verification code {text.code}")

    pdf.setStrokeColor(BRAND)
    pdf.setLineWidth(6)
    pdf.rect(24, 24, width - 48, height - 48)
    pdf.setStrokeColor(GOLD)
    pdf.setLineWidth(1.5)
    pdf.rect(36, 36, width - 72, height - 72)

    centre = width / 2
    _line(pdf, centre, height - 92, text.school, "Vera-Bold", 20, BRAND)
    _line(pdf, centre, height - 150, "Certificate of training", "Vera-Bold", 34, INK)
    _line(pdf, centre, height - 196, "This is to certify that", "Vera", 14, MUTED)
    _line(pdf, centre, height - 234, text.learner_name or "the holder of this certificate",
          "Vera-Bold", 26 if text.learner_name else 18, INK)
    verb = "has renewed their training in" if text.is_renewal else "has completed"
    _line(pdf, centre, height - 270, verb, "Vera", 14, MUTED)
    _line(pdf, centre, height - 304, text.programme_title, "Vera-Bold", 22, BRAND)
    _line(pdf, centre, height - 332, "and is certified as a peer supporter.", "Vera", 14, MUTED)

    dates = f"Issued {text.earned_at:%-d %B %Y}   ·   Valid until {text.expires_at:%-d %B %Y}"
    _line(pdf, centre, height - 376, dates, "Vera", 12, INK)

    pdf.drawImage(ImageReader(str(BADGE_IMAGE)), 64, 64, width=110, height=110, mask="auto")
    _qr(pdf, text.verify_url, x=width - 64 - 110, y=64, size=110)
    pdf.setFont("Vera", 9)
    pdf.setFillColor(MUTED)
    pdf.drawCentredString(centre, 96, "Check that this certificate is genuine and still valid:")
    pdf.setFillColor(INK)
    pdf.setFont("Vera", 9)
    pdf.drawCentredString(centre, 82, text.verify_url)
    pdf.setFont("Vera-Bold", 12)
    pdf.drawCentredString(centre, 62, f"Verification code: {text.code}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _line(pdf: Canvas, x: float, y: float, value: str, font: str, size: float, colour: HexColor) -> None:
    # Shrink long titles or names to fit between the borders.
    while size > 8 and pdf.stringWidth(value, font, size) > 680:
        size -= 1
    pdf.setFont(font, size)
    pdf.setFillColor(colour)
    pdf.drawCentredString(x, y, value)


def _qr(pdf: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw a QR code of ``url`` as vector squares (sharp at any print size)."""
    matrix = segno.make(url, error="m").matrix
    quiet = 2
    cells = len(matrix) + 2 * quiet
    cell = size / cells
    pdf.setFillColor(HexColor("#ffffff"))
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    pdf.setFillColor(HexColor("#000000"))
    for row, bits in enumerate(matrix):
        for col, bit in enumerate(bits):
            if bit:
                pdf.rect(x + (col + quiet) * cell, y + size - (row + quiet + 1) * cell, cell, cell,
                         stroke=0, fill=1)


