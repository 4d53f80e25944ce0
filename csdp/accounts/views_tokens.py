"""API 令牌: a user issues tokens for its back office, lists its institution's and revokes them."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from csdp.accounts.access import ANY_ROLE, access_object, allow
from csdp.accounts.models import ApiToken, TokenScope
from csdp.accounts.tokens import api_token_create, api_token_revoke
from csdp.lib.errors import CsdpError
from csdp.lib.listing import Column, Listing, listing
from csdp.lib.web import form_refused


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=100)
    scope = forms.ChoiceField(label="权限", choices=TokenScope.choices, initial=TokenScope.READ)
    expires_days = forms.IntegerField(label="有效期（天）", min_value=1, initial=90)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_days"].max_value = settings.CSDP_API_TOKEN_MAX_DAYS
        self.fields["expires_days"].widget.attrs["max"] = settings.CSDP_API_TOKEN_MAX_DAYS


@allow(ANY_ROLE)
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    key = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            token, key = api_token_create(
                user=request.user,
                name=d["name"],
                scope=d["scope"],
                expires_days=d["expires_days"],
                login_method=request.session.get("login_method"),
            )
        except CsdpError as error:
            form_refused(form, error)
        else:
            form = TokenForm()
    tokens = listing(
        request,
        ApiToken.objects.visible_to(request.user).select_related("user", "revoked_by"),
        columns=TOKEN_COLUMNS,
        default_sort="-created",
        search=("name", "key_prefix", "user__username"),
        filename="API令牌",
    )
    if not isinstance(tokens, Listing):  # an export
        return tokens
    return render(request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_key": key})


@allow(ANY_ROLE)
@require_POST
def token_revoke(request, token_id: int):
    token = access_object(request.user, ApiToken, pk=token_id)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"令牌 {token.key_prefix}… 已吊销。")
    return redirect("accounts:token_list")


TOKEN_COLUMNS = [
    Column("prefix", "前缀", lambda t: f"{t.key_prefix}…"),
    Column("name", "用途", "name", sort="name"),
    Column("scope", "权限", "get_scope_display", sort="scope"),
    Column("user", "签发用户", "user.username", sort="user__username"),
    Column("created", "签发时间", "created_at", sort="pk"),
    Column("expires", "有效期至", "expires_at", sort="expires_at"),
    Column("used", "最近使用", "last_used_at", sort="last_used_at"),
]
