"""The authorisation letter an owner signs so an agent may enforce its right.

The portal writes the letter from the record, in English and Chinese side by side
(the marketplaces' reviewers read both), as a PDF the owner prints, signs or stamps,
and the agent uploads. Its scope is enforcement only: an authorisation to sell is not
one to file complaints.
"""

import datetime as dt
import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from .models import IPR

# A CID font every PDF reader has (Adobe's Asian font pack), so nothing is embedded:
# it draws Chinese and Latin text alike.
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

DEFAULT_TERM_DAYS = 365

_KIND_ZH = {"trademark": "商标", "patent": "专利", "copyright": "著作权", "other": "其他权利"}
_PATENT_ZH = {"invention": "发明", "utility_model": "实用新型", "design": "外观设计"}


def default_term(ipr: IPR, today: dt.date) -> tuple[dt.date, dt.date]:
    """A year from today, and never past the right's own expiry."""
    until = today + dt.timedelta(days=DEFAULT_TERM_DAYS)
    if ipr.expires_on and ipr.expires_on < until:
        until = ipr.expires_on
    return today, until


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def letter_pdf(ipr: IPR, *, valid_from: dt.date, valid_until: dt.date, generated_on: dt.date) -> bytes:
    """The letter for ``ipr`` with the given term, as PDF bytes."""
    agent = ipr.filed_by
    owner, agent_name = _escape(ipr.owner_name), _escape(agent.complainant_name or agent.email)
    right_en = f"{ipr.get_kind_display()} {_escape(ipr.number)} “{_escape(ipr.name)}”, {_escape(str(ipr.get_jurisdiction_display()))}"
    right_zh = f"{_KIND_ZH[ipr.kind]} {_escape(ipr.number)}“{_escape(ipr.name)}”（{_escape(ipr.jurisdiction)}）"
    term_en = f"from {valid_from.isoformat()} to {valid_until.isoformat()} inclusive"
    term_zh = f"自 {valid_from.isoformat()} 起至 {valid_until.isoformat()} 止"

    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, spaceAfter=2)
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=15, spaceAfter=6)
    # Chinese has no spaces between words: wrap it anywhere, not only at spaces.
    body_zh = ParagraphStyle("body_zh", parent=body, wordWrap="CJK")
    small = ParagraphStyle("small", fontName=FONT, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555"))

    details = [
        ["Right / 权利", f"{ipr.get_kind_display()} / {_KIND_ZH[ipr.kind]}"],
        ["Name / 名称", ipr.name],
        ["Registration number / 注册号", ipr.number],
        ["Office / 注册地", f"{ipr.get_jurisdiction_display()} ({ipr.jurisdiction})"],
        ["Owner / 权利人", ipr.owner_name],
    ]
    if ipr.kind == IPR.Kind.PATENT and ipr.patent_type:
        details.append(["Patent type / 专利类型", f"{ipr.get_patent_type_display()} / {_PATENT_ZH[ipr.patent_type]}"])
    if ipr.kind == IPR.Kind.TRADEMARK:
        classes = ", ".join(str(c.number) for c in ipr.classes.all())
        if classes:
            details.append(["Nice classes / 类别", classes])
    if ipr.expires_on:
        details.append(["Right expires / 权利到期日", ipr.expires_on.isoformat()])
    details.append(["Agent / 代理人", f"{agent.complainant_name or ''} <{agent.email}>"])
    table = Table([[Paragraph(_escape(a), small), Paragraph(_escape(str(b)), body)] for a, b in details],
                  colWidths=[52 * mm, 110 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f4f6")),
    ]))

    story = [
        Paragraph("Authorisation Letter / 授权委托书", title),
        Paragraph(f"Reference IPR-{ipr.pk}, generated {generated_on.isoformat()} by the IPP portal", small),
        HRFlowable(width="100%", color=colors.HexColor("#cccccc"), spaceBefore=6, spaceAfter=10),
        Paragraph(
            f"I/We, <b>{owner}</b> (the Owner), the owner of the {right_en}, authorise <b>{agent_name}</b> "
            f"(the Agent) <b>to file IPR complaints on the Owner's behalf</b> against listings on the marketplaces served "
            f"by the IPP portal, to provide evidence, and to receive and answer notices and counter-notices about those "
            f"complaints, {term_en}.", body),
        Paragraph(
            "This letter authorises the enforcement of the right only. It does not authorise the Agent to sell, "
            "license or assign the right, and an authorisation to sell the Owner's products is not an authorisation "
            "to file complaints. The Owner may revoke this letter at any time by notifying the portal.", body),
        Spacer(1, 4),
        Paragraph(
            f"本人/本单位 <b>{owner}</b>（权利人）系{right_zh}的权利人，现授权 <b>{agent_name}</b>（代理人）"
            f"<b>代表权利人提交知识产权投诉</b>，针对 IPP 平台所服务的电商平台上的商品链接提供证据，并接收及答复相关通知与反通知，"
            f"授权期限{term_zh}。", body_zh),
        Paragraph("本授权仅限于维权投诉，不包括销售、许可或转让该权利；销售授权不等同于投诉授权。权利人可随时通知平台撤销本授权。", body_zh),
        Spacer(1, 6),
        table,
        Spacer(1, 18),
        Paragraph("Signature or company seal of the Owner / 权利人签字或盖章", body),
        Spacer(1, 26),
        HRFlowable(width="60%", color=colors.black, hAlign="LEFT"),
        Paragraph("Name and title of the signatory / 签字人姓名及职务", small),
        Spacer(1, 20),
        HRFlowable(width="40%", color=colors.black, hAlign="LEFT"),
        Paragraph("Date / 日期", small),
        Spacer(1, 18),
        Paragraph("Upload the signed or stamped letter on the record's page in IPR Management. "
                  "请在“知识产权管理”中该权利的页面上传已签字或盖章的授权书。", ParagraphStyle("small_zh", parent=small, wordWrap="CJK")),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=18 * mm,
                      title=f"Authorisation letter IPR-{ipr.pk}", author="IPP portal").build(story)
    return out.getvalue()
