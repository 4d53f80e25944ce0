"""The cash ledger, modelled on TigerBeetle (docs/coding/two-phase-transfers.md, data-modeling.md).

- Money is integer fen. An account keeps four running totals; a balance is derived from them.
- A Transfer is an immutable double-entry row; corrections are new transfers. The database refuses
  UPDATE and DELETE on transfers (trigger, migration 0002).
- A hold is a pending transfer; it is resolved EXACTLY once by a post (fully or partly, the rest is
  released) or a void. The unique constraint on ``pending`` makes a second resolution impossible.
- Account flags bound the balance; the check constraints below make the database refuse a total
  that breaks them even if Python code is wrong.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q


def _is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.staff_role)


class AccountKind(models.TextChoices):
    PARTICIPANT_RESERVE = "participant_reserve", "综合结算备付金账户"  # seed 002 §4: a participant's clients' money
    UNDERWRITER_RESERVE = "underwriter_reserve", "自营结算备付金账户"  # seed 002 §3.1: the lead underwriter's own
    ISSUER_BANK = "issuer_bank", "发行人银行账户（外部）"  # outside our books: a counterparty, no balance rule
    DEPOSITORY_BANK = "depository_bank", "结算备付金专用存款账户（外部）"  # money entering / leaving our books
    IPO_CLEARING = "ipo_clearing", "新股申购资金清算户"  # depository internal: subscription funds in transit
    INTEREST = "interest", "利息户"  # depository internal: interest on frozen funds (seed 002 ch. 5)
    FEES = "fees", "费用户"  # depository internal: registration fees and the like
    DIVIDEND = "dividend", "权益分派代派资金户"  # rules.md §12 委托代派: one distribution's cash, issuer → holders
    DIVIDEND_HELD = "dividend_held", "权益分派暂不派发资金户"  # cash on frozen shares (孳息随冻结), closed accounts


# Accounts that stand for money outside our books; they may go "negative" (money came from them).
EXTERNAL_KINDS = {AccountKind.ISSUER_BANK, AccountKind.DEPOSITORY_BANK}
# Accounts holding someone's money: never debited below zero.
DEBIT_CONSTRAINED_KINDS = {
    AccountKind.PARTICIPANT_RESERVE,
    AccountKind.UNDERWRITER_RESERVE,
    AccountKind.IPO_CLEARING,
    AccountKind.INTEREST,
    AccountKind.FEES,
    AccountKind.DIVIDEND,
    AccountKind.DIVIDEND_HELD,
}


class LedgerAccountQuerySet(models.QuerySet["LedgerAccount"]):
    def visible_to(self, user: Any) -> LedgerAccountQuerySet:
        if _is_staff(user):
            return self
        if user.is_authenticated and user.institution_id:
            return self.filter(owner_id=user.institution_id)
        return self.none()


class LedgerAccount(models.Model):
    number = models.CharField("账号", max_length=32, unique=True)
    name = models.CharField("户名", max_length=200)
    kind = models.CharField("账户类型", max_length=24, choices=AccountKind.choices)
    owner = models.ForeignKey(
        "accounts.Institution",
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    currency = models.CharField("币种", max_length=3, default="CNY")
    debits_must_not_exceed_credits = models.BooleanField(default=False)
    credits_must_not_exceed_debits = models.BooleanField(default=False)
    debits_posted = models.BigIntegerField(default=0)
    credits_posted = models.BigIntegerField(default=0)
    debits_pending = models.BigIntegerField(default=0)
    credits_pending = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerAccountQuerySet.as_manager()

    class Meta:
        verbose_name = "资金账户"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(debits_posted__gte=0, credits_posted__gte=0, debits_pending__gte=0, credits_pending__gte=0),
                name="ledger_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(debits_must_not_exceed_credits=True, credits_must_not_exceed_debits=True),
                name="ledger_flags_exclusive",
            ),
            # TigerBeetle: debits_pending + debits_posted <= credits_posted.
            models.CheckConstraint(
                condition=Q(debits_must_not_exceed_credits=False)
                | Q(debits_posted__lte=F("credits_posted") - F("debits_pending")),
                name="ledger_debits_within_credits",
            ),
            models.CheckConstraint(
                condition=Q(credits_must_not_exceed_debits=False)
                | Q(credits_posted__lte=F("debits_posted") - F("credits_pending")),
                name="ledger_credits_within_debits",
            ),
            models.CheckConstraint(condition=Q(currency="CNY"), name="ledger_currency_cny"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def posted_fen(self) -> int:
        """Credit-normal posted balance of this (possibly stale) instance; selectors.balance_of re-reads."""
        return self.credits_posted - self.debits_posted

    @property
    def available_fen(self) -> int:
        return self.posted_fen - self.debits_pending

    @property
    def is_external(self) -> bool:
        return self.kind in EXTERNAL_KINDS


class Phase(models.TextChoices):
    # TigerBeetle flags: none / pending / post_pending_transfer / void_pending_transfer.
    POSTED = "posted", "记账"  # single-phase: moves posted totals at once
    PENDING = "pending", "冻结"  # a hold: moves pending totals until posted or voided
    POST = "post", "冻结扣划"  # resolves a hold: posts amount_fen (≤ the hold), releases the rest
    VOID = "void", "冻结解除"  # resolves a hold: releases all of it


RESOLVING = {Phase.POST, Phase.VOID}


class TransferQuerySet(models.QuerySet["Transfer"]):
    def visible_to(self, user: Any) -> TransferQuerySet:
        if _is_staff(user):
            return self
        if user.is_authenticated and user.institution_id:
            mine = user.institution_id
            return self.filter(Q(debit_account__owner_id=mine) | Q(credit_account__owner_id=mine))
        return self.none()


class Transfer(models.Model):
    id = models.BigAutoField(primary_key=True)
    debit_account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="debits", db_index=False)
    credit_account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="credits", db_index=False)
    amount_fen = models.BigIntegerField("金额（分）")
    phase = models.CharField("类型", max_length=8, choices=Phase.choices, default=Phase.POSTED)
    # The hold a POST / VOID resolves. Unique: a hold is resolved exactly once.
    pending = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="resolutions")
    key = models.CharField("幂等键", max_length=100)  # unique: see Meta (a constraint adds no LIKE index)
    replayed: bool  # not a column: set True on the transfer a replayed key returns (services._replayed)
    code = models.CharField("业务代码", max_length=32)
    business_date = models.DateField("业务日期")
    batch = models.CharField(max_length=40, blank=True)  # provenance: the transfers_post_bulk call that wrote it
    memo = models.CharField("摘要", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = "资金划转"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["debit_account", "business_date"]),
            models.Index(fields=["credit_account", "business_date"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="transfer_key_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(condition=~Q(debit_account=F("credit_account")), name="transfer_accounts_differ"),
            models.CheckConstraint(
                condition=(Q(phase__in=[Phase.POST, Phase.VOID]) & Q(pending__isnull=False))
                | (Q(phase__in=[Phase.POSTED, Phase.PENDING]) & Q(pending__isnull=True)),
                name="transfer_pending_iff_resolving",
            ),
            models.UniqueConstraint(fields=["pending"], condition=Q(pending__isnull=False), name="hold_resolved_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_phase_display()} {self.amount_fen} 分"
