"""A hypothesis state machine drives random deposits, transfers, holds, posts, voids and replays
against the ledger and a plain-Python model of it; after every step the invariants must hold."""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from csdp.ledger.bulk import holds_create_bulk, holds_resolve_bulk
from csdp.ledger.models import AccountKind, LedgerAccount, Transfer
from csdp.ledger.selectors import balance_of
from csdp.ledger.services import LedgerError, hold_create, hold_post, hold_void, ledger_account_open, transfer_post
from tests.ledger.conftest import DAY

CONSTRAINED = ["r1", "r2", "clearing"]
amounts = st.integers(min_value=1, max_value=5_000)


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def open_books(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # each example runs in a savepoint rolled back in teardown
        self.accounts = {"bank": ledger_account_open(number="BANK", name="外部", kind=AccountKind.DEPOSITORY_BANK)}
        for name in CONSTRAINED:
            self.accounts[name] = ledger_account_open(number=name, name=name, kind=AccountKind.PARTICIPANT_RESERVE)
        self.posted = dict.fromkeys(self.accounts, 0)  # credit-normal posted balance
        self.held = dict.fromkeys(self.accounts, 0)  # pending debits
        self.holds = []  # [transfer, resolved?]
        self.keys = {}  # key → the call that wrote it
        self.serial = 0

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def _key(self):
        self.serial += 1
        return f"k{self.serial}"

    def _available(self, name):
        return self.posted[name] - self.held[name]

    @rule(to=st.sampled_from(CONSTRAINED), amount=amounts)
    def deposit(self, to, amount):
        key = self._key()
        transfer_post(
            debit=self.accounts["bank"],
            credit=self.accounts[to],
            amount_fen=amount,
            key=key,
            code="dep",
            business_date=DAY,
        )
        self.posted["bank"] -= amount
        self.posted[to] += amount
        self.keys[key] = (transfer_post, "bank", to, amount)

    @rule(pair=st.permutations(CONSTRAINED), amount=amounts, pending=st.booleans())
    def move(self, pair, amount, pending):
        source, target = pair[0], pair[1]
        write, key = (hold_create if pending else transfer_post), self._key()
        ok = amount <= self._available(source)
        try:
            transfer = write(
                debit=self.accounts[source],
                credit=self.accounts[target],
                amount_fen=amount,
                key=key,
                code="mv",
                business_date=DAY,
            )
        except LedgerError:
            assert not ok, "a covered transfer was refused"
            return
        assert ok, "an overdraft was accepted"
        self.keys[key] = (write, source, target, amount)
        if pending:
            self.held[source] += amount
            self.holds.append([transfer, False])
        else:
            self.posted[source] -= amount
            self.posted[target] += amount

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), void=st.booleans())
    def resolve(self, data, void):
        entry = data.draw(st.sampled_from(self.holds))
        hold, resolved = entry
        debit, credit = hold.debit_account.number, hold.credit_account.number
        part = data.draw(st.integers(min_value=1, max_value=hold.amount_fen))
        try:
            if void:
                hold_void(hold=hold, key=self._key(), business_date=DAY)
            else:
                hold_post(hold=hold, amount_fen=part, key=self._key(), business_date=DAY)
        except LedgerError:
            assert resolved, "an open hold could not be resolved"
            return
        assert not resolved, "a hold was resolved twice"
        entry[1] = True
        self.held[debit] -= hold.amount_fen
        if not void:  # partial post: the rest is released
            self.posted[debit] -= part
            self.posted[credit] += part

    @precondition(lambda self: self.keys)
    @rule(data=st.data(), conflicting=st.booleans())
    def replay(self, data, conflicting):
        key = data.draw(st.sampled_from(sorted(self.keys)))
        write, source, target, amount = self.keys[key]
        call = lambda n: write(
            debit=self.accounts[source],
            credit=self.accounts[target],
            amount_fen=n,
            key=key,
            code="dep" if source == "bank" else "mv",
            business_date=DAY,
        )
        if conflicting:
            with pytest.raises(LedgerError, match="拒绝重放"):
                call(amount + 1)
        else:
            assert call(amount).key == key

    @invariant()
    def books_balance(self):
        if not hasattr(self, "accounts"):
            return
        sums = LedgerAccount.objects.aggregate(
            dp=Sum("debits_posted"), cp=Sum("credits_posted"), dq=Sum("debits_pending"), cq=Sum("credits_pending")
        )
        assert sums["dp"] == sums["cp"] and sums["dq"] == sums["cq"]
        for name, account in self.accounts.items():
            balance = balance_of(account)
            assert (balance.posted_fen, balance.pending_debits_fen) == (self.posted[name], self.held[name])
            if name in CONSTRAINED:
                assert balance.available_fen >= 0
        assert (
            Transfer.objects.filter(pending__isnull=False).values("pending").distinct().count()
            == Transfer.objects.filter(pending__isnull=False).count()
        )


@pytest.mark.django_db
def test_the_ledger_keeps_its_invariants_under_random_operations():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


# ---- the bulk path of holds equals the one-by-one path ----------------------------------------------

RESERVES = ["r1", "r2"]
# (reserve, hold amount, post or void, percent of the hold to post: 0 means "no amount", above 100 an over-post)
batches = st.lists(
    st.tuples(
        st.sampled_from(RESERVES),
        st.integers(min_value=1, max_value=4_000),
        st.sampled_from(["post", "void"]),
        st.integers(min_value=0, max_value=105),
    ),
    min_size=1,
    max_size=8,
)


def _books(prefix, deposits):
    """Two funded reserves and a clearing account, numbered under ``prefix``."""
    accounts = {
        "bank": ledger_account_open(number=f"{prefix}BANK", name="外部", kind=AccountKind.DEPOSITORY_BANK),
        "clearing": ledger_account_open(number=f"{prefix}CLR", name="清算", kind=AccountKind.IPO_CLEARING),
    }
    for name, amount in zip(RESERVES, deposits):
        accounts[name] = ledger_account_open(number=f"{prefix}{name}", name=name, kind=AccountKind.PARTICIPANT_RESERVE)
        transfer_post(
            debit=accounts["bank"],
            credit=accounts[name],
            amount_fen=amount,
            key=f"{prefix}dep-{name}",
            code="dep",
            business_date=DAY,
        )
    return accounts


def _part(amount_fen, percent):
    return max(amount_fen * percent // 100, 1) if percent else None


def _one_by_one(accounts, prefix, batch):
    holds = [
        hold_create(
            debit=accounts[reserve],
            credit=accounts["clearing"],
            amount_fen=amount,
            key=f"{prefix}h{i}",
            code="IPO_FREEZE",
            business_date=DAY,
            memo="冻结",
        )
        for i, (reserve, amount, _, _) in enumerate(batch)
    ]
    for i, (hold, (_, _, phase, part)) in enumerate(zip(holds, batch)):
        if phase == "post":
            hold_post(
                hold=hold, amount_fen=_part(hold.amount_fen, part), key=f"{prefix}r{i}", business_date=DAY, memo="扣划"
            )
        else:
            hold_void(hold=hold, key=f"{prefix}r{i}", business_date=DAY, memo="解冻")


def _in_bulk(accounts, prefix, batch):
    holds = holds_create_bulk(
        [
            {
                "debit_account_id": accounts[reserve].pk,
                "credit_account_id": accounts["clearing"].pk,
                "amount_fen": amount,
                "key": f"{prefix}h{i}",
                "code": "IPO_FREEZE",
                "business_date": DAY,
                "memo": "冻结",
            }
            for i, (reserve, amount, _, _) in enumerate(batch)
        ]
    )
    holds_resolve_bulk(
        [
            {
                "hold": holds[f"{prefix}h{i}"],
                "phase": phase,
                "key": f"{prefix}r{i}",
                "business_date": DAY,
                "amount_fen": _part(amount, part) if phase == "post" else None,
                "memo": "扣划" if phase == "post" else "解冻",
            }
            for i, (_, amount, phase, part) in enumerate(batch)
        ]
    )


def _outcome(prefix, write, accounts, batch):
    """Refused or not, then every transfer (by key without the prefix) and every account's totals."""
    try:
        with transaction.atomic():
            write(accounts, prefix, batch)
        refused = False
    except LedgerError:
        refused = True
    written = Transfer.objects.filter(key__startswith=prefix).select_related(
        "pending", "debit_account", "credit_account"
    )
    transfers = sorted(
        (
            t.key.removeprefix(prefix),
            t.debit_account.number.removeprefix(prefix),
            t.credit_account.number.removeprefix(prefix),
            t.amount_fen,
            t.phase,
            t.code,
            t.memo,
            t.pending.key.removeprefix(prefix) if t.pending else None,
        )
        for t in written
    )
    totals = sorted(
        (a.number.removeprefix(prefix), a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending)
        for a in LedgerAccount.objects.filter(number__startswith=prefix)
    )
    return refused, transfers, totals


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    deposits=st.tuples(st.integers(min_value=1, max_value=12_000), st.integers(min_value=1, max_value=12_000)),
    batch=batches,
)
def test_a_bulk_batch_of_holds_gives_the_transfers_and_totals_of_the_same_calls_one_by_one(deposits, batch):
    # Over-posts (part > hold) and holds beyond a reserve are drawn too: then both paths refuse everything.
    with transaction.atomic():
        single = _outcome("S-", _one_by_one, _books("S-", deposits), batch)
        bulk = _outcome("B-", _in_bulk, _books("B-", deposits), batch)
        transaction.set_rollback(True)
    assert bulk == single
