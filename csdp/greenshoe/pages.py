"""What the greenshoe pages show (reads only)."""

from __future__ import annotations

from csdp.clock.services import business_today
from csdp.fees.states import FeeRefused
from csdp.greenshoe.models import FilingKind, FilingStatus, GreenshoeOption, SpecialAccount
from csdp.greenshoe.selectors import committed_shares, filings_of, owed_by_account, window
from csdp.greenshoe.services import filing_content, transfer_fee_quotes
from csdp.greenshoe.sheets import CSPLW_HEADER, DJ_HEADER
from csdp.keys.signing import signing_context, submission_digest


def options_for(user):
    return GreenshoeOption.objects.visible_to(user).select_related("offering").order_by("-exercise_end")


def _exemption(shares: int, price_fen: int):
    """002 §2.2.3: the transfer's fee and stamp tax, quoted and waived (empty if no schedule in force)."""
    try:
        return transfer_fee_quotes(shares=shares, amount_fen=shares * price_fen, on=business_today())
    except FeeRefused:
        return []


def option_context(option: GreenshoeOption, user) -> dict:
    offering = option.offering
    institution = getattr(user, "institution_id", None)
    owed = owed_by_account(option)
    agreements = [(a, owed.get(a.account_id, 0)) for a in option.agreements.select_related("account__investor")]
    return {
        "option": option,
        "offering": offering,
        "agreements": agreements,
        "committed": committed_shares(option),
        "room": option.limit_shares - committed_shares(option),
        "special": SpecialAccount.objects.filter(underwriter_id=offering.underwriter_id)
        .select_related("account")
        .first(),
        "filings": filings_of(option),
        "today": business_today(),
        "dj_window": window(option, FilingKind.ISSUANCE),
        "csplw_window": window(option, FilingKind.TRANSFER),
        "is_issuer": institution == offering.issuer_id,
        "is_underwriter": institution == offering.underwriter_id,
        "dj_header": DJ_HEADER,
        "csplw_header": CSPLW_HEADER,
    }


def filing_context(filing, user) -> dict:
    offering = filing.option.offering
    exemption = _exemption(filing.total_shares, offering.price_fen) if filing.kind == FilingKind.TRANSFER else []
    signing = None
    if filing.status == FilingStatus.VALIDATED and filing.filed_by.institution_id == getattr(
        user, "institution_id", None
    ):
        digest = submission_digest(content=filing_content(filing), files=[filing.source])
        signing = signing_context(user=user, digest=digest, require_key=True)
    return {
        "filing": filing,
        "option": filing.option,
        "offering": offering,
        "exemption": exemption,
        "signing": signing,
        "details": filing.details.select_related("account__investor"),
        "transitions": filing.transitions.select_related("actor"),
        "is_staff": bool(user.staff_role),
        # The uploaded file stays the filer's (csdp.uploads): the other institution sees the rows only.
        "may_download": bool(user.staff_role)
        or filing.source.owner_institution_id == getattr(user, "institution_id", None),
    }
