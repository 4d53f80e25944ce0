"""Pages members reconcile against (seed 002 ch. 4; issue 14): the reserve statement and its 对账 file,
the daily manifest, the lead underwriter's offering results."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.clock.services import business_today
from csdp.ipo import pages
from csdp.ipo.errors import IpoError
from csdp.ipo.models import Offering
from csdp.ipo.eod.reconcile import (
    statement_files,
    manifest,
    manifest_csv,
    offering_results as results_of,
    offering_results_xlsx as xlsx,
)
from csdp.ledger.selectors import balance_of, reserve_account_of, statement
import datetime as dt


def _day_param(value: str | None, default):
    """A range's bound on the statement page: a bad value falls back to the default range."""
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _file_day(value: str | None) -> dt.date:
    """The business day of a file asked for: today when not given; a bad value is refused, never read as
    today (the file would carry another day's name and balances)."""
    if not value:
        return business_today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise IpoError(f"日期“{value}”格式不正确，应为 YYYY-MM-DD。", code="ipo.bad_date") from None


@allow(Role.PARTICIPANT, Role.UNDERWRITER)
def reserve_statement(request):
    """Every movement of the member's own reserve with its reference, a range of business days."""
    account = reserve_account_of(request.user.institution)
    today = business_today()
    date_to = _day_param(request.GET.get("to"), today)
    date_from = min(_day_param(request.GET.get("from"), date_to - dt.timedelta(days=30)), date_to)
    opening, lines = statement(account, date_from, date_to) if account else (0, [])
    return render(
        request,
        "ipo/reserve_statement.html",
        {
            "account": account,
            "balance": balance_of(account) if account else None,
            "opening": opening,
            "lines": lines,
            "date_from": date_from,
            "date_to": date_to,
            "today": today,
        },
    )


@allow(Role.PARTICIPANT, Role.UNDERWRITER)
def reserve_statement_file(request):
    """The day's 对账 file (ZJDZ, DBF or CSV, GBK) of the member's own reserve."""
    account = reserve_account_of(request.user.institution)
    if account is None:
        raise Http404("本机构尚未开立结算备付金账户。")
    file = statement_files(account, _file_day(request.GET.get("date")))[
        "csv" if request.GET.get("format") == "csv" else "dbf"
    ]
    response = HttpResponse(
        file.data, content_type="text/csv; charset=gbk" if file.name.endswith(".csv") else "application/x-dbf"
    )
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@allow(Role.PARTICIPANT)
def participant_manifest(request):
    """The day's manifest of the participant's files: name, type, format, records, SHA-256 (CSV, GBK)."""
    participant = pages.participant_of(request.user)
    day = _file_day(request.GET.get("date"))
    response = HttpResponse(manifest_csv(manifest(participant, day)), content_type="text/csv; charset=gbk")
    response["Content-Disposition"] = f'attachment; filename="QD{participant.code}{day:%Y%m%d}.csv"'
    return response


@allow(STAFF, Role.UNDERWRITER)
def offering_results(request, offering_id: int):
    """The lead underwriter's view of its offering's results, for the 发行结果公告."""
    offering = access_object(request.user, Offering, pk=offering_id)
    pages.require_results_reader(offering, request.user)
    results = results_of(offering)
    return render(
        request,
        "ipo/offering_results.html",
        {
            "offering": offering,
            "results": results,
            "invalid_count": results.invalid.height if results else 0,
            "invalid_rows": results.invalid.head(200).rows() if results else [],
        },
    )


@allow(STAFF, Role.UNDERWRITER)
def offering_results_xlsx(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    pages.require_results_reader(offering, request.user)
    results = results_of(offering)
    if results is None:
        messages.error(request, "T+1 日日终交收完成后才能下载发行结果。")
        return redirect("ipo:offering_results", offering_id=offering.pk)
    response = HttpResponse(
        xlsx(offering, results), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{offering.code}-results.xlsx"'
    return response
