"""The counter's part of the demo world: the catalogue with its guides, and issuer A's applications
in several states (待受理, 退回待处理, 办理中, 待确认结果, 办结, and a draft), so every page has
something to show. Idempotent: nothing is added when issuer A already has demo applications.

The seeded rounds are signed by a second agent of issuer A ("issuer_a_history", a software key made
here), because issuer_a's own key lives in the browser that enrolled it and cannot sign on the server.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile

from csdp.accounts.demo import DEMO_PASSWORD, ISSUER_A, register_seeder
from csdp.accounts.models import User, Institution
from csdp.clock.services import business_today
from csdp.counter import handling
from csdp.counter.catalogue import catalogue_sync
from csdp.counter.models import BusinessType, ApplicationRound
from csdp.counter.selectors import securities_codes_for
from csdp.counter.services import application_submit, pending_round, application_draft, application_confirm_results
from csdp.keys.signing import signing_context
from csdp.keys.testing import sign, enrol_test_key

DEMO_MARK = "【演示】"
HISTORY_AGENT = "issuer_a_history"


def demo_pdf(title: str) -> ContentFile:
    # Imported here: pypdf (~160 ms) loads on the first PDF, not with every process (nothing else imports it).
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return ContentFile(buffer.getvalue(), name=f"{title}.pdf")


def _history_agent(institution):
    user, made = User.objects.get_or_create(
        username=HISTORY_AGENT,
        defaults={
            "institution": institution,
            "display_name": "陈经办",
            "mobile": "13800000001",
            "email": f"{HISTORY_AGENT}@demo.csdp.local",
        },
    )
    if made:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _sign_and_submit(application, user, key):
    context = signing_context(user=user, digest=pending_round(application).digest)
    return application_submit(application=application, user=user, signature_payload=sign(key, context))


def _file(user, key, type_code, code, remark, data=None, attach=True):
    application = application_draft(
        user=user,
        business_type=BusinessType.objects.get(code=type_code),
        securities_code=code,
        remark=DEMO_MARK + remark,
        data=data,
        files=[demo_pdf(f"{type_code}-申请材料")] if attach else [],
    )
    return application if key is None else _sign_and_submit(application, user, key)


@register_seeder(order=80)
def seed_counter() -> None:
    catalogue_sync()
    kind, _, inst_code = ISSUER_A
    institution = Institution.objects.filter(kind=kind, code=inst_code).first()
    if (
        institution is None
        or ApplicationRound.objects.filter(
            application__filer_institution=institution, remark__startswith=DEMO_MARK
        ).exists()
    ):
        return
    operator = User.objects.get(username="operator")
    agent = _history_agent(institution)
    key = enrol_test_key(agent)
    codes = securities_codes_for(institution) or [inst_code]
    code = codes[0]

    # The attachment-only type 00 (01–06 are structured: their data sheets and four-eyes effects are
    # seeded by the apps that own them).
    _file(agent, key, "00", code, "证券持有人名册更正咨询，材料已按指南合并为 PDF。")  # 待受理
    returned = _file(agent, key, "00", code, "股东联系方式变更说明。")
    handling.application_return(
        application=returned, actor=operator, kind="modify", opinion="说明缺少法定代表人签章，请补充后重新提交。"
    )
    handling.application_accept(application=_file(agent, key, "00", code, "历史登记资料查询。"), actor=operator)
    issued = _file(agent, key, "00", code, "登记证明文件出具。")
    handling.application_accept(application=issued, actor=operator, opinion="材料齐全，予以受理。")
    handling.result_attach(application=issued, actor=operator, file=demo_pdf("登记证明"))
    handling.application_issue_results(application=issued, actor=operator)
    if code in codes and securities_codes_for(institution):
        data = {"query_kind": "holder_register", "as_of": business_today().isoformat(), "code": code}
        finished = _file(agent, key, "07", code, "查询最新股东名册。", data=data, attach=False)
        handling.application_accept(application=finished, actor=operator)
        handling.application_issue_results(application=finished, actor=operator)

        application_confirm_results(application=finished, user=agent)
    _file(agent, None, "00", code, "其他业务咨询（草稿，待确认提交）。")
