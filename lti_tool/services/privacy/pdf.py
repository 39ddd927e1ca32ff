"""The subject access export as an A4 PDF (reportlab), for a school to keep or hand over."""

from __future__ import annotations

import io
import json
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus import Spacer
from reportlab.platypus import Table
from reportlab.platypus import TableStyle

from lti_tool.services.privacy.export import Export


def export_pdf(export: Export) -> bytes:
    """Render ``export``: the facts, each table's records as field/value lists, the records sent."""
    data = export.as_json()
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    person = data["person"]["name"] or f"platform user {data['person']['platform_user_id']}"
    story: list[Any] = [
        Paragraph(escape(f"Everything PeerReady holds about {person}"), styles["Title"]),
        Paragraph(escape(f"School: {data['school']}. Made {data['generated_at']} (UTC)."
                         + (f" Course: {data['course']} only." if data["course"] else "")), styles["BodyText"]),
    ]
    for section in data["tables"].values():
        story += [Spacer(1, 4 * mm), Paragraph(escape(f"{section['title']} ({len(section['rows'])})"), styles["Heading2"]),
                  Paragraph(escape(f"Why: {section['why']} Where: {', '.join(section['where'])}."), small)]
        for row in section["rows"]:
            story.append(_fields(row, small))
    held = data["learning_records_and_grades"]
    story += [Spacer(1, 4 * mm), Paragraph(f"Learning records and grades sent or kept ({len(held)})", styles["Heading2"])]
    for record in held:
        story.append(_fields({"when": record["at"], "where": record["where"], "status": record["status"],
                              "content": record["content"]}, small))
    if data["mentioned_in"]:
        story += [Spacer(1, 4 * mm), Paragraph("Mentioned in others' records (counts only)", styles["Heading2"]),
                  _fields(data["mentioned_in"], small)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title="PeerReady subject access export",
                      leftMargin=15 * mm, rightMargin=15 * mm).build(story)
    return out.getvalue()


def _fields(row: dict[str, Any], style: Any) -> Table:
    cells = [[Paragraph(escape(str(k)), style), Paragraph(escape(_text(v)), style)] for k, v in row.items()]
    table = Table(cells, colWidths=[45 * mm, 135 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, -1), (-1, -1), 0.5, "#999999")]))
    return table


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)
