"""The programme handbook: a printable PDF made from the programme's own content.

For staff setting up a scheme it is the implementation handbook; for pupils' programmes a
booklet of what each video covers. Everything in it comes from the module files (titles,
summaries, outcomes, the narration script and sources), so it never drifts from the videos.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable
from reportlab.platypus import ListItem
from reportlab.platypus import PageBreak
from reportlab.platypus import Paragraph
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus import Spacer

from modules.model import Module
from modules.model import Programme

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=11, leading=15)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=9, leading=12, textColor=colors.grey)


def handbook_pdf(programme: Programme, modules: Sequence[Module], school_name: str) -> bytes:
    """Render the handbook of ``programme`` (its ``modules`` in order) as PDF bytes."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{programme.title}: handbook",
        author=school_name,
        subject="Peer mentor training",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    story = [
        Paragraph(escape(programme.title), _STYLES["Title"]),
        Paragraph(f"Handbook from {escape(school_name)}, {date.today():%B %Y}", _SMALL),
        Spacer(1, 6 * mm),
        Paragraph(escape(programme.description), _BODY),
        Spacer(1, 4 * mm),
        Paragraph("Contents", _STYLES["Heading2"]),
        _bullets(f"{number}. {module.title}" for number, module in enumerate(modules, 1)),
        Spacer(1, 4 * mm),
        Paragraph("What completing the programme means", _STYLES["Heading2"]),
        Paragraph(_requirements(programme), _BODY),
    ]
    for number, module in enumerate(modules, 1):
        story += [PageBreak(), *_module_pages(number, module)]
    document.build(story)
    return buffer.getvalue()


def _module_pages(number: int, module: Module) -> list[object]:
    minutes = max(1, round(module.duration_seconds / 60))
    pages: list[object] = [
        Paragraph(f"{number}. {escape(module.title)}", _STYLES["Heading1"]),
        Paragraph(f"Video, about {minutes} minute{'s' if minutes > 1 else ''}", _SMALL),
        Paragraph(escape(module.summary), _BODY),
        Paragraph("What you will learn", _STYLES["Heading3"]),
        _bullets(module.outcomes),
    ]
    for slide in module.script:
        pages += [Paragraph(escape(slide.title), _STYLES["Heading3"])]
        if slide.bullets:
            pages.append(_bullets(slide.bullets))
        pages.append(Paragraph(escape(slide.narration), _BODY))
    if module.checkpoints:
        pages += [
            Paragraph("Stop and think", _STYLES["Heading3"]),
            _bullets(point.prompt for point in module.checkpoints),
        ]
    if module.sources:
        pages += [
            Paragraph("Sources", _STYLES["Heading3"]),
            _bullets(f"{s.citation}{f' ({s.url})' if s.url else ''}" for s in module.sources),
        ]
    return pages


def _requirements(programme: Programme) -> str:
    parts = [f"watching {len(programme.required_modules)} videos"]
    if programme.required_quizzes:
        parts.append(f"passing {len(programme.required_quizzes)} scenario quizzes")
    if programme.supervised_practice_required:
        parts.append("supervised practice recorded by a trainer")
    if programme.signoff_required:
        parts.append("a trainer's sign-off")
    return (
        f"Certification needs {', '.join(parts)}. It lasts {programme.validity_months} months; "
        "a short refresher renews it."
    )


def _bullets(items: object) -> ListFlowable:
    return ListFlowable(
        [ListItem(Paragraph(escape(str(item)), _BODY), leftIndent=10) for item in items],  # type: ignore[attr-defined]
        bulletType="bullet",
        start="•",
        leftIndent=12,
    )
