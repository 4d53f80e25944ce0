"""The pages' one translation of a refusal (``CsdpError``) into what a person sees.

Views do not catch refusals. A service raises; one of these turns it into a page:

- ``RefusalMiddleware`` (settings.MIDDLEWARE) catches any ``CsdpError`` a page view lets out: an htmx
  request gets the message as a fragment (status 422); any other request gets it as a flash message
  and is sent back where it came from (the same-site Referer, else the page itself).
- ``@refusal_redirect("app:detail")`` on an action view names where to go back to instead
  (the view's URL keyword arguments fill the target's).
- ``form_refused(form, error)`` puts a refusal on a form that is shown again: each problem with a
  field on that field, the rest above the form.

The API has its own edge (csdp/api.py), the command line its own (csdp/cli.py).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from csdp.lib.errors import CsdpError

View = Callable[..., HttpResponse]


def refusal_text(error: CsdpError) -> str:
    """The message and, after it, every problem (row and field first), as one plain text."""
    return str(error)


def form_refused(form: Any, error: CsdpError) -> None:
    """Show ``error`` on ``form``: problems naming one of its fields go there; the message, with
    any problem that names no field of the form, goes above it."""
    rest = []
    for problem in error.problems:
        if problem.field and problem.field in form.fields:
            form.add_error(problem.field, problem.message)
        else:
            rest.append(problem)
    form.add_error(None, str(CsdpError(error.message, problems=rest)))


def form_errors_text(form: Any) -> str:
    """Every error of an invalid form in one line, for a flash message: each is a sentence, so all but
    the last lose their full stop (「请填写银行流水号；金额须为正整数。」, not 「…。；…。」)."""
    parts = [str(e) for errors in form.errors.values() for e in errors]
    return "；".join([p.rstrip("。") for p in parts[:-1]] + parts[-1:])


def form_cleaned(form: Any) -> dict[str, Any]:
    """The form's cleaned data, or a refusal listing every error of it in one line (for an action
    posted from a detail page, whose refusal goes back there as a flash message)."""
    if not form.is_valid():
        raise CsdpError(form_errors_text(form), code="form.invalid")
    return dict(form.cleaned_data)


def _back(request: HttpRequest) -> str:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return request.get_full_path()


def refusal_response(request: HttpRequest, error: CsdpError, *, to: str | None = None) -> HttpResponse:
    if getattr(request, "htmx", False):
        body = format_html(
            '<div class="refused" role="alert" data-code="{}"><p>{}</p>{}</div>',
            error.code,
            error.message,
            format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((str(p),) for p in error.problems)))
            if error.problems
            else "",
        )
        return HttpResponse(body, status=422)
    target = to or _back(request)
    if request.method == "GET" and target in (request.get_full_path(), request.build_absolute_uri()):
        # A link followed with no page to go back to (a download typed or bookmarked): going back to
        # itself would loop, so the refusal is the page.
        return render(request, "portal/error.html", {"title": "无法办理", "message": refusal_text(error)}, status=422)
    messages.error(request, refusal_text(error))
    return redirect(target)


def refusal_redirect(to: str, *names: str) -> Callable[[View], View]:
    """On a refusal, flash its message and go to the URL named ``to``, its arguments ``names`` taken
    from the view's own arguments of those names: ``@refusal_redirect("counter:detail", "application_id")``."""

    def decorate(view: View) -> View:
        signature = inspect.signature(view)

        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except CsdpError as error:
                bound = signature.bind(request, *args, **kwargs).arguments
                return refusal_response(request, error, to=resolve_url(to, **{n: bound[n] for n in names}))

        return wrapped

    return decorate


class RefusalMiddleware:
    """The pages' default edge for a refusal no view handled (the API's is in csdp/api.py)."""

    def __init__(self, get_response: View) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CsdpError) and not request.path.startswith("/api/"):
            return refusal_response(request, exception)
        return None
