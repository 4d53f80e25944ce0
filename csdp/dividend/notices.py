"""What the issuer is told and given: SMS / e-mail through csdp.notify (the funding verdict, the
payment, the release of held cash), and the QYJG result attached to its counter application (type 05)
as every counter business delivers its results (csdp.counter.handling: staff then send the results and
the issuer downloads them on the application page). What the custodian participants are told: their
files are published (the IPO's "files ready" notice, through csdp.securities.notices).

Notices are outbox rows written in the step's transaction: a step rolled back tells no one.
"""

from __future__ import annotations

import io
from decimal import Decimal

import polars as pl

from csdp.dividend.models import Distribution
from csdp.accounts.models import User
from csdp.notify.services import notify_user
from csdp.securities.notices import participants_notify
from csdp.counter.handling import _result_store
from csdp.counter.models import Application, FilePurpose
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from django.core.files.base import ContentFile

PURPOSE = "dividend"
FILES_READY = "dividend_files_ready"


def _yuan(amount_fen: int) -> str:
    return f"{amount_fen // 100:,}.{amount_fen % 100:02d}"


def tell_issuer(distribution: Distribution, *, subject: str, body: str) -> int:
    """An SMS and an e-mail to each active user of the issuer (where they have a mobile / an address)."""
    told = 0
    for user in User.objects.filter(institution_id=distribution.issuer_id, is_active=True).order_by("pk"):
        told += bool(notify_user(user=user, subject=subject, body=body, purpose=PURPOSE))
    return told


def funding_verdict_notify(distribution: Distribution) -> int:
    """The deadline's verdict (funded in full, or short: the cash part does not proceed, and why)."""
    code = distribution.security.code
    subject = f"{code} 权益分派代派资金" + ("已足额到位" if distribution.cash_status == "funded" else "不足")
    return tell_issuer(
        distribution,
        subject=subject,
        body=f"{code} 权益分派（股权登记日 {distribution.record_date}）：{distribution.cash_note}",
    )


def funding_rejected_notify(distribution: Distribution, funding, reason: str) -> int:
    code = distribution.security.code
    return tell_issuer(
        distribution,
        subject=f"{code} 权益分派代派资金登记已驳回",
        body=f"{code} 权益分派（股权登记日 {distribution.record_date}）：银行流水号 {funding.bank_reference}、"
        f"金额 {_yuan(funding.amount_fen)} 元的代派资金登记未能与本公司银行账户到账核对一致，已驳回：{reason}。"
        f"代派资金截止日 {distribution.funding_deadline}。",
    )


def withdrawn_notify(distribution: Distribution, reason: str, returned_fen: int) -> int:
    """A withdrawal (applied after four-eyes): why, and the money that went back to the issuer's bank."""
    code = distribution.security.code
    money = f"已到账的代派资金 {_yuan(returned_fen)} 元已退回贵公司银行账户。" if returned_fen else "无需退回代派资金。"
    return tell_issuer(
        distribution,
        subject=f"{code} 权益分派已撤销",
        body=f"{code} 权益分派（股权登记日 {distribution.record_date}）已撤销：{reason}。{money}",
    )


def paid_notify(distribution: Distribution, text: str) -> int:
    code = distribution.security.code
    return tell_issuer(
        distribution,
        subject=f"{code} 现金红利已派发",
        body=f"{code} 权益分派（股权登记日 {distribution.record_date}）派息日 {distribution.pay_date}：{text}。",
    )


def released_notify(distribution: Distribution, accounts: int, amount_fen: int) -> int:
    code = distribution.security.code
    return tell_issuer(
        distribution,
        subject=f"{code} 暂不派发的现金红利已派发",
        body=f"{code} 权益分派（股权登记日 {distribution.record_date}）：{accounts} 户冻结已解除，"
        f"暂不派发的现金红利 {amount_fen // 100}.{amount_fen % 100:02d} 元已派发至其托管结算参与人。",
    )


def files_ready_notify(distribution: Distribution, day, participant_ids, file_types) -> int:
    """The participants whose files a step published (new or changed): one notice per active user,
    written in the step's transaction. Returns the number of users told."""
    if not participant_ids:
        return 0
    security = distribution.security
    types = "、".join(sorted(set(file_types)))
    return participants_notify(
        participant_ids=participant_ids,
        subject="权益分派数据文件已发布",
        body=lambda code: (
            f"{day:%Y-%m-%d} {security.code} {security.name} 权益分派（股权登记日 {distribution.record_date}）"
            f"的数据文件（{types}，结算参与人 {code}）已发布，请在“权益分派数据文件”页面或接口下载"
            "（文件名、记录数、SHA-256 一并列出）。"
        ),
        purpose=FILES_READY,
    )


def result_xlsx(distribution: Distribution, frame: pl.DataFrame, layout, labels: dict[str, str] | None = None) -> bytes:
    """QYJG as an Excel sheet (the counter's result reports are PDF or Excel): the same rows and columns
    as the DBF, titled in Chinese, for people: the participant column's codes for rows that are no
    participant (``labels``: 无托管单元, 合计) shown in words, amounts (yuan, exact from fen), shares and
    counts as numeric cells, dates as date cells."""
    labels = labels or {}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("权益分派结果")
    sheet.append([f"{distribution.security.code} 权益分派结果（股权登记日 {distribution.record_date}）"])
    sheet.append([f.title.split("：")[0].split("；")[0] for f in layout.fields])

    def cell(value, number_format: str) -> WriteOnlyCell:
        out = WriteOnlyCell(sheet, value=value)
        out.number_format = number_format
        return out

    for row in frame.select([f.name for f in layout.fields]).iter_rows(named=True):
        cells: list = []
        for f in layout.fields:
            value = row[f.name]
            if value is None:
                cells.append(None)
            elif f.type == "N" and f.decimals:  # integer fen → exact yuan (a Decimal, never a float)
                cells.append(cell(Decimal(int(value)).scaleb(-f.decimals), "#,##0." + "0" * f.decimals))
            elif f.type == "N":
                cells.append(cell(int(value), "#,##0"))
            elif f.type == "D":
                cells.append(cell(value, "yyyy-mm-dd"))
            else:
                cells.append(labels.get(value, value) if f.name == "JSCY" else value)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def result_attach(distribution: Distribution, content: bytes) -> bool:
    """Attach the result to the counter application the plan came from (none for a plan scheduled
    without one, e.g. the simulation). Once per distribution: a rerun of the step finds it attached."""
    application = Application.objects.filter(pk=distribution.application_id).first()
    if application is None:
        return False
    name = f"QYJG{distribution.security.code}_{distribution.record_date:%Y%m%d}.xlsx"
    if application.files.filter(purpose=FilePurpose.RESULT, stored_file__original_name=name).exists():
        return False
    _result_store(application, application.assignee, ContentFile(content, name=name))
    return True
