from __future__ import annotations

from csdp.lib.clients import client_limit_exceeded
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from csdp.accounts.access import STAFF, allow, public
from csdp.notify.captcha import captcha_new
from csdp.notify.forms import OutboxFilterForm
from csdp.notify.selectors import outbox_list, outbox_purposes

PAGE_SIZE = 50
CAPTCHA_PER_MINUTE = 120  # images per client address per minute: drawing costs ~15 ms of CPU each


@allow(STAFF)
@require_GET
def outbox(request):
    form = OutboxFilterForm(request.GET)
    page = Paginator(outbox_list(user=request.user, **form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "purposes": outbox_purposes(user=request.user)}
    template = "notify/_outbox_table.html" if request.htmx else "notify/outbox.html"
    return render(request, template, context)


@public
@require_GET
@never_cache
def captcha(request):
    if client_limit_exceeded(request, scope="captcha", limit=CAPTCHA_PER_MINUTE, window_s=60):
        return HttpResponse("请求过于频繁，请稍后再试。", status=429, content_type="text/plain; charset=utf-8")
    # never_cache adds Cache-Control: no-store: each image is one answer, never served twice.
    return HttpResponse(captcha_new(request), content_type="image/png")
