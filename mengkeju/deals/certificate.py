"""The registration certificate (技术合同登记证明) as a one-page PDF.

reportlab's built-in CID font STSong-Light (Adobe-GB1) renders Chinese without shipping a font file;
PDF readers supply the glyphs. The number is also written in Helvetica and in the document keywords
so it can be found by searching the file. The verification code and a QR code of the public
verification URL (reportlab's own QR encoder, no extra dependency) let anyone check the certificate.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from mengkeju.network.selectors import current_region

from .models import Registration

CJK_FONT = "STSong-Light"


def _register_font() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _money(amount) -> str:
    return f"{amount:,.2f}" if amount is not None else "—"


def _draw_qr(pdf, value: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(value, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, x, y)


def render_certificate(registration: Registration, *, compress: bool = True, verify_url: str = "") -> bytes:
    """The PDF bytes of the certificate of a registered contract; `verify_url` (absolute) goes into the
    QR code and is printed under it."""
    _register_font()
    region = current_region()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1 if compress else 0, invariant=1)
    pdf.setTitle(f"技术合同登记证明 {registration.number}")
    pdf.setKeywords(registration.number)
    pdf.setSubject(registration.number)
    width, height = A4
    top = height - 30 * mm

    pdf.setFont(CJK_FONT, 20)
    pdf.drawCentredString(width / 2, top, "技术合同登记证明")
    pdf.setFont("Helvetica", 10)
    pdf.drawCentredString(width / 2, top - 8 * mm, "Certificate of Technical Contract Registration")
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawCentredString(width / 2, top - 18 * mm, registration.number)

    rows = [
        ("登记编号 Number", registration.number),
        ("合同名称 Title", registration.title),
        ("合同类别 Kind", f"{registration.get_kind_display()} · {registration.get_sub_kind_display()}"),
        ("卖方 Seller", registration.seller_name),
        ("买方 Buyer", registration.buyer_name),
        ("签订日期 Signed on", str(registration.signed_on or "")),
        ("合同金额（元）Amount (yuan)", _money(registration.amount_yuan)),
        ("技术交易额（元）Transaction (yuan)", _money(registration.transaction_amount_yuan)),
        ("技术流向 Flow", registration.get_flow_display()),
        ("登记日期 Registered on", str(registration.registered_on or "")),
        (
            "登记机构 Registering office",
            registration.registering_office.name if registration.registering_office else "",
        ),
        ("版本 Version", str(registration.version)),
        ("验证码 Verification code", registration.verification_code),
    ]
    if registration.licence_scope:
        rows.insert(3, ("许可方式 Licence scope", registration.get_licence_scope_display()))
    y = top - 35 * mm
    for label, value in rows:
        pdf.setFont(CJK_FONT, 10)
        pdf.drawString(25 * mm, y, label)
        text = str(value or "—")[:60]
        pdf.setFont("Helvetica" if text.isascii() else CJK_FONT, 11)  # codes and numbers stay searchable
        pdf.drawString(80 * mm, y, text)
        y -= 9 * mm
    pdf.setFont(CJK_FONT, 10)
    issuer = (region.network_name or region.name) if region else ""
    pdf.drawString(
        25 * mm,
        y - 10 * mm,
        _("Registered by %(issuer)s technical contract registration") % {"issuer": issuer},
    )
    if verify_url:
        size = 32 * mm
        _draw_qr(pdf, verify_url, width - 25 * mm - size, 20 * mm, size)
        pdf.setFont("Helvetica", 7)
        pdf.drawRightString(width - 25 * mm, 16 * mm, verify_url[:120])
        pdf.setFont(CJK_FONT, 9)
        pdf.drawString(25 * mm, 24 * mm, "扫码或访问下方网址核验本证明 Scan or visit the address to verify")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
