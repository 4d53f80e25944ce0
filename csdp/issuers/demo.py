"""The issuers' part of the demo world: a registration waiting for review, issuer A and B with
profiles, information versions and securities codes, a rejected key-field application of issuer B
(which blocks new ones), and VAT invoice information in force for issuer A."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile

from csdp.accounts.models import Institution, User
from csdp.clock.services import clock_now
from csdp.issuers.choices import IdType, InvoiceType, MaterialKind, TaxpayerType, registration_materials
from csdp.issuers.models import (
    InfoChangeApplication,
    InstitutionInfoVersion,
    InvoiceInfo,
    IssuerProfile,
    IssuerSecurity,
    Registration,
    RegistrationMaterial,
    RegistrationTransition,
)
from csdp.issuers.services.info import info_application_reject, info_application_seed
from csdp.issuers.services.registration import token_hash
from csdp.issuers.states import RegistrationStatus
from csdp.lib.ids import make_resident_id, make_uscc
from csdp.accounts.demo import DEMO_PASSWORD, register_seeder
from csdp.uploads.services import upload_store

SINCE = dt.date(2020, 1, 1)
ISSUERS = {
    # username: (securities code, short name, uscc prefix, legal representative, postal parts)
    "issuer_a": (
        "920188",
        "悦龙科技",
        "91110108MA01AAAA1",
        "陈悦龙",
        ("北京市", "北京市", "海淀区", "中关村大街 1 号悦龙大厦 8 层"),
    ),
    "issuer_b": (
        "920219",
        "星河精机",
        "91110115MA01BBBB2",
        "刘星河",
        ("北京市", "北京市", "大兴区", "经济技术开发区科创十街 9 号"),
    ),
}


def demo_pdf(name: str, owner=None, actor=None):
    """A one-page PDF stored through the upload service (demo data only)."""
    # Imported here: pypdf (~160 ms) loads on the first PDF, not with every process (nothing else imports it).
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return upload_store(
        file=SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf"),
        kind="scan",
        owner=owner,
        actor=actor,
    )


def _issuer(username: str) -> None:
    user = User.objects.filter(username=username).select_related("institution").first()
    if user is None or user.institution is None:
        return
    code, short, uscc_prefix, legal_rep, postal = ISSUERS[username]
    institution = user.institution
    uscc = make_uscc(uscc_prefix)
    Institution.objects.filter(pk=institution.pk, uscc="").update(uscc=uscc)
    IssuerProfile.objects.get_or_create(
        institution=institution,
        defaults=dict(
            agent=user,
            agent_id_type=IdType.RESIDENT_ID,
            agent_id_number=make_resident_id("11010819850101123"),
            postal_province=postal[0],
            postal_city=postal[1],
            postal_district=postal[2],
            postal_detail=postal[3],
        ),
    )
    if not InstitutionInfoVersion.objects.filter(institution=institution).exists():
        InstitutionInfoVersion.objects.create(
            institution=institution,
            effective_from=SINCE,
            name=institution.name,
            uscc=uscc,
            licence_valid_from=dt.date(2015, 6, 1),
            licence_valid_until=None,
            three_in_one=True,
            registered_address=f"{postal[0]}{postal[2]}{postal[3]}",
            legal_rep_name=legal_rep,
            phone="010-88886666",
            source=InstitutionInfoVersion.Source.DEMO,
        )
    IssuerSecurity.objects.get_or_create(code=code, defaults={"institution": institution, "name": short})


def _rejected_application_of_issuer_b() -> None:
    user = User.objects.filter(username="issuer_b").first()
    reviewer = User.objects.filter(username="reviewer").first()
    if user is None or reviewer is None or InfoChangeApplication.objects.filter(institution=user.institution).exists():
        return
    current = InstitutionInfoVersion.objects.filter(institution=user.institution).latest("effective_from", "id")
    proposed = current.values()
    proposed["registered_address"] = "北京市大兴区经济技术开发区科创十三街 18 号"
    application = info_application_seed(
        institution=user.institution,
        user=user,
        proposed=proposed,
        materials=[demo_pdf("注册地址变更证明.pdf", owner=user.institution, actor=user)],
    )
    info_application_reject(
        application=application,
        actor=reviewer,
        reason="未提供加盖公章的市场监督管理部门变更登记通知书，请补充后重新提交。",
    )


def _invoice_of_issuer_a() -> None:
    user = User.objects.filter(username="issuer_a").first()
    if user is None or InvoiceInfo.objects.filter(institution=user.institution).exists():
        return
    info = InvoiceInfo.objects.create(
        institution=user.institution,
        effective_from=SINCE,
        taxpayer_type=TaxpayerType.GENERAL,
        invoice_type=InvoiceType.E_ORDINARY,
        securities_code="920188",
        title=user.institution.name,
        taxpayer_id=make_uscc(ISSUERS["issuer_a"][2]),
        address_phone="北京市海淀区中关村大街 1 号 010-88886666",
        bank_account="中国工商银行北京中关村支行 0200001234567890123",
        email="invoice@yuelong.demo",
        submitted_by=user,
    )
    info.attachments.set([demo_pdf("营业执照.pdf", owner=user.institution, actor=user)])


def _pending_registration() -> None:
    if Registration.objects.filter(username="xinke_ir").exists():
        return
    now = clock_now()
    registration = Registration.objects.create(
        token_sha256=token_hash(f"demo-{now.timestamp()}"),
        status=RegistrationStatus.SUBMITTED,
        step_done=7,
        agreement_accepted_at=now,
        user_category="participant_user",
        method="online",
        institution_name="北京新科智能装备股份有限公司",
        uscc=make_uscc("91110105MA01CCCC3"),
        licence_valid_from=dt.date(2016, 3, 1),
        three_in_one=True,
        registered_address="北京市朝阳区望京东路 6 号",
        legal_rep_name="周新科",
        institution_type="issuer_beijing",
        platform="bj_issuer",
        platform_role="issuer",
        securities_codes="920456",
        username="xinke_ir",
        password_hash=make_password(DEMO_PASSWORD),
        agent_name="郑经办",
        agent_id_type=IdType.RESIDENT_ID,
        agent_id_number=make_resident_id("11010519900301123"),
        mobile="13700000001",
        email="ir@xinke.demo",
        postal_province="北京市",
        postal_city="北京市",
        postal_district="朝阳区",
        postal_detail="望京东路 6 号 12 层",
        mobile_verified="13700000001",
        submitted_at=now,
    )
    for kind in registration_materials(True):
        RegistrationMaterial.objects.create(
            registration=registration, kind=kind, file=demo_pdf(f"{MaterialKind(kind).label}.pdf")
        )
    RegistrationTransition.objects.create(
        registration=registration,
        from_state=RegistrationStatus.DRAFT,
        to_state=RegistrationStatus.SUBMITTED,
        actor_label="申请人",
        at=now,
    )


@register_seeder(order=40)
def seed_issuers() -> None:
    for username in ISSUERS:
        _issuer(username)
    _rejected_application_of_issuer_b()
    _invoice_of_issuer_a()
    _pending_registration()
