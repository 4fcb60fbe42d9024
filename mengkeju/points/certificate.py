"""The innovation-points certificate (企业创新积分证明) as a one-page PDF, drawn like the registration
certificate (deals/certificate.py): reportlab's built-in CID font STSong-Light renders Chinese."""

from __future__ import annotations

import io

from django.template.defaultfilters import floatformat
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from mengkeju.core import clock
from mengkeju.network.selectors import current_region

from .models import Score
from .selectors import breakdown

CJK_FONT = "STSong-Light"


def points(value) -> str:
    """Scores to two decimals, rounded exactly as the enterprise's points page prints them."""
    return floatformat(value, 2)


def render_certificate(score: Score) -> bytes:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    region = current_region()
    org = score.organization
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(f"企业创新积分证明 {org.name} {score.year}")
    pdf.setKeywords(f"{org.credit_code} {score.year} {score.total}")
    width, height = A4
    top = height - 30 * mm
    pdf.setFont(CJK_FONT, 20)
    pdf.drawCentredString(width / 2, top, "企业创新积分证明")
    pdf.setFont("Helvetica", 10)
    pdf.drawCentredString(width / 2, top - 8 * mm, "Certificate of Enterprise Innovation Points")
    rows = [
        ("企业名称 Enterprise", org.name),
        ("统一社会信用代码 Credit code", org.credit_code or "—"),
        ("年度 Year", str(score.year)),
        ("指标体系 System", f"{score.system.name} v{score.system.version}"),
        ("比较组 Cohort", score.run.cohort_label),
        ("总积分 Total", points(score.total)),
        ("指标得分 Indicator points", points(score.indicator_points)),
        ("加分 Bonus", points(score.bonus_points)),
        ("平台活动积分 Activity", points(score.activity_points)),
        ("排名 Rank", f"{score.rank} / {score.run.enterprises}"),
        ("等级 Tier", score.tier),
    ]
    for group in breakdown(score)["groups"]:
        rows.append((f"  {group['name']}", points(group["points"])))
    y = top - 25 * mm
    for label, value in rows:
        pdf.setFont(CJK_FONT, 10)
        pdf.drawString(25 * mm, y, label)
        pdf.setFont(CJK_FONT, 11)
        pdf.drawString(85 * mm, y, str(value)[:60])
        y -= 9 * mm
    pdf.setFont(CJK_FONT, 10)
    issuer = (region.network_name or region.name) if region else ""
    computed = clock.localtime(score.run.computed_at)
    pdf.drawString(25 * mm, y - 8 * mm, f"{issuer} 企业创新积分 · 计算于 {computed:%Y-%m-%d}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
