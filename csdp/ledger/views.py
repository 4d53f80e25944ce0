import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from csdp.accounts.access import STAFF, Role, SignedInRequest, access_object, allow
from csdp.clock.services import business_today
from csdp.ledger.models import LedgerAccount
from csdp.ledger.selectors import balance_of, reserve_account_of, statement


def _day(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@allow(STAFF)
def account_list(request: HttpRequest) -> HttpResponse:
    accounts = LedgerAccount.objects.visible_to(request.user).select_related("owner")
    return render(request, "ledger/account_list.html", {"accounts": accounts})


@allow(STAFF)
def account_statement(request: HttpRequest, ledger_account_id: int) -> HttpResponse:
    account = access_object(request.user, LedgerAccount.objects.select_related("owner"), pk=ledger_account_id)
    today = business_today()
    date_to = _day(request.GET.get("to"), today)
    date_from = min(_day(request.GET.get("from"), date_to - dt.timedelta(days=30)), date_to)
    opening, lines = statement(account, date_from, date_to)
    return render(
        request,
        "ledger/statement.html",
        {
            "account": account,
            "balance": balance_of(account),
            "opening": opening,
            "lines": lines,
            "date_from": date_from,
            "date_to": date_to,
        },
    )


@allow(Role.PARTICIPANT, Role.UNDERWRITER)
def my_reserve(request: SignedInRequest) -> HttpResponse:
    account = reserve_account_of(request.user.institution)
    balance = balance_of(account) if account else None
    return render(request, "ledger/my_reserve.html", {"account": account, "balance": balance})
