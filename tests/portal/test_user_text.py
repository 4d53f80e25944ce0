"""Text for users, not for us (issue 19 §5): walking every menu page of every demo role and the pages
they link to, reading every SMS and e-mail the demo world sent and every participant file it published,
no internal code shows — no ``offering.transition``-like identifier, no ``preparing → subscribing``, no
bare state or choice code (``preparing``, ``greenshoe_registration``, ``ipo_stop``, ``uscc``), no seed or
rules citation (``002 §5.2``, ``rules.md``), no Python ``True``/``None`` — and each SMS carries one
signature and no doubled punctuation."""

from __future__ import annotations

import re

import pytest

from csdp.lib.labels import audit_action_label, choice_labels, purpose_label, subject_label, without_citations
from csdp.notify.models import Channel, OutboxMessage
from csdp.notify.services import sms_text
from tests.portal.crawl import crawl, demo_seed_fresh
from tests.portal.crawl import crawl

IDENTIFIER = re.compile(r"[a-z_]+\.[a-z_]+")
ARROW_BETWEEN_WORDS = re.compile(r"[A-Za-z_]+\s*→\s*[A-Za-z_]+")
PYTHON_LITERAL = re.compile(r"(?<![A-Za-z])(True|False|None)(?![A-Za-z])")
# Addresses and paths are what users type or click, not codes.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PATH = re.compile(r"(?<![\w])/[\w./-]+")
DOUBLED = re.compile(r"[，。：；！][，。：；！]")


def _stored_codes() -> re.Pattern:
    """Every stored code a label stands for: the choice values of the project's models, and the purposes
    of its messages — as a whole ASCII word. Usernames are what people type and stay allowed."""
    from django.apps import apps

    from csdp.fees.demo import EXAMPLE_SCHEDULE
    from csdp.lib.labels import PURPOSES
    from csdp.notify.models import OutboxMessage
    from csdp.accounts.demo import DEMO_USERS

    codes = set()
    for model in apps.get_models():
        if model.__module__.startswith("csdp"):
            for field in model._meta.get_fields():
                codes |= {v for v, _ in getattr(field, "choices", None) or () if isinstance(v, str)}
    codes |= set(PURPOSES) | set(OutboxMessage.objects.values_list("purpose", flat=True))
    codes |= {row[0] for row in EXAMPLE_SCHEDULE}  # fee item codes (greenshoe_registration): shown by their names
    codes = {c for c in codes if re.fullmatch(r"[a-z][a-z_]{3,}", c)} - {u.username for u in DEMO_USERS}
    return re.compile(r"(?<![\w./@:=-])(" + "|".join(sorted(codes, key=len, reverse=True)) + r")(?![\w./@-])")


CITATION = re.compile(r"rules\.md|\b0\d\d\s*§|§\s*\d")


def internal_codes(text: str, stored: re.Pattern | None = None) -> list[str]:
    text = PATH.sub(" ", EMAIL.sub(" ", text))
    found = []
    for pattern in (IDENTIFIER, ARROW_BETWEEN_WORDS, PYTHON_LITERAL, CITATION, *([stored] if stored else [])):
        found += [m.group(0) for m in pattern.finditer(text)]
    if "§" in text:
        found.append(text[max(0, text.index("§") - 20) : text.index("§") + 20])
    return found


def test_the_check_catches_what_the_issue_names():
    assert internal_codes("offering.transition 已完成")
    assert internal_codes("preparing → subscribing")
    assert internal_codes("依据 002 §5.2")
    assert internal_codes("长期有效：True")
    assert internal_codes("王经办 issuer_a@demo.csdp.local · /keys/crl.der · 发行准备 → 申购中") == []
    assert internal_codes("见 rules.md 第五条") and internal_codes("依据002 §")


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import connection, transaction

        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo_seed_fresh()
            pages = crawl()
            messages = list(OutboxMessage.objects.all())
            files = published_files()
            stored = _stored_codes()
        finally:  # whatever happened, the demo world is rolled back and the next test gets a sound connection
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            if not connection.in_atomic_block:  # closing inside a test's transaction breaks it (PostgreSQL)
                connection.close()
    return pages, messages, files, stored


def published_files() -> dict[str, str]:
    """Every file the demo world published to participants (data files, GFBD, QLBD, 权益分派), decoded as text."""
    from pathlib import Path

    from django.conf import settings

    from csdp.ipo.models import ParticipantFile
    from csdp.dividend.models import DividendFile
    from csdp.register.models import HoldingChangeFile
    from csdp.restrictions.models import RestrictionFile

    out = {}
    for model in (ParticipantFile, HoldingChangeFile, RestrictionFile, DividendFile):
        for record in model.objects.all():
            path = Path(settings.CSDP_FILES_DIR) / record.path
            if path.is_file():
                out[record.path] = path.read_bytes().decode("gbk", errors="replace")
    return out


def test_no_page_of_any_role_shows_an_internal_code(demo_world):
    pages, _, _, stored = demo_world
    assert len(pages) > 200 and {p.role for p in pages} >= {"issuer_a", "participant", "reviewer", "admin"}
    offenders = {f"{p.role} {p.url}": codes for p in pages if (codes := internal_codes(p.text, stored))}
    assert offenders == {}


def test_no_published_file_carries_a_state_code_or_a_citation(demo_world):
    _, _, files, stored = demo_world
    assert len(files) >= 5
    # The fixed interfaces' own codes (file types, share natures: docs/interfaces.md) are data, not ours.
    offenders = {name: codes for name, text in files.items() if (codes := internal_codes(text, stored))}
    assert offenders == {}


# An amount or a number of shares of five digits or more written without thousands separators.
UNSEPARATED = re.compile(r"(?<![\d,.\w])\d{5,}(\.\d+)?\s*(股|元|万元|份|户|笔)")


def test_every_amount_and_number_of_shares_has_thousands_separators(demo_world):
    pages, messages, _, _ = demo_world
    offenders = {f"{p.role} {p.url}": UNSEPARATED.findall(p.text) for p in pages if UNSEPARATED.search(p.text)}
    offenders |= {f"message {m.pk}": UNSEPARATED.findall(m.body) for m in messages if UNSEPARATED.search(m.body)}
    assert offenders == {}


def test_no_message_sent_shows_an_internal_code_or_a_doubled_signature(demo_world):
    _, messages, _, stored = demo_world
    assert len(messages) > 20
    offenders = {}
    for m in messages:
        text = f"{m.subject}\n{m.body}"
        problems = internal_codes(text, stored)
        if m.channel == Channel.SMS:
            if m.body.count("【中国结算】") != 1 or not m.body.startswith("【中国结算】"):
                problems.append("signature")
            problems += DOUBLED.findall(m.body)
        elif "【中国结算】" in text:
            problems.append("signature in e-mail")
        if problems:
            offenders[f"{m.pk} {m.purpose}"] = problems
    assert offenders == {}


def test_an_sms_gets_one_signature_and_no_doubled_punctuation():
    assert (
        sms_text("【中国结算】申请被驳回：【中国结算】您的申请被驳回。。") == "【中国结算】申请被驳回：您的申请被驳回。"
    )
    assert sms_text("额度 1,000.00 元。") == "【中国结算】额度 1,000.00 元。"


@pytest.mark.django_db
def test_codes_get_their_chinese_labels():
    assert audit_action_label("offering.transition", "ipo.offering") == "发行状态变更"
    assert audit_action_label("counter.withdrawn", "counter.application") == "业务申请：已撤回"
    assert audit_action_label("something.unknown") == "其他操作"
    assert choice_labels("stock,fund", "securities.security") == "股票、基金"
    assert purpose_label("ipo_stop") == "发行失败或中止"
    assert purpose_label("no_such_purpose") == "业务通知"


def test_every_notice_purpose_the_code_writes_has_its_own_label():
    """The outbox's 用途 filter lists each purpose once, in words: none falls back to 业务通知."""
    import re
    from pathlib import Path

    import csdp

    source = "\n".join(p.read_text() for p in Path(csdp.__file__).parent.rglob("*.py"))
    written = set(re.findall(r'purpose="([a-z_.]+)"', source))
    written |= set(re.findall(r'^(?:PURPOSE|FILES_READY|EFFECTED)\s*=\s*"([a-z_.]+)"', source, re.M))
    assert written and {p for p in written if purpose_label(p) == "业务通知"} == set()


def test_a_certificate_subject_reads_in_words_without_oids():
    shown = subject_label("2.5.4.5=91110115MA01BBBB2M,O=北京星河精密机械股份有限公司,CN=issuer_b")
    assert shown == "用户 issuer_b；机构 北京星河精密机械股份有限公司；统一社会信用代码 91110115MA01BBBB2M"


def test_stored_text_loses_its_citations():
    assert without_citations("§九(三) 本公司登记的开放式基金") == "本公司登记的开放式基金"
    assert without_citations("加盖骑缝章（002 §2.1.1）。") == "加盖骑缝章。"
    assert without_citations("（本公司，002 §4.1.1）") == "（本公司）"


@pytest.mark.django_db
def test_a_bare_state_code_is_caught_but_a_username_or_an_address_is_not():
    stored = _stored_codes()
    assert internal_codes("状态：preparing", stored) == ["preparing"]
    assert internal_codes("greenshoe_registration 已完成；类别 uscc", stored) == ["greenshoe_registration", "uscc"]
    assert internal_codes("operator 于 09:30 办理；/ipo/offerings/1/?status=preparing", stored) == []
