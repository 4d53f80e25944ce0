from django.urls import path

from csdp.accounts import views, views_admin, views_tokens

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views_admin.user_create, name="user_create"),
    path("users/<int:user_id>/", views_admin.user_detail, name="user_detail"),
    path("users/<int:user_id>/action/", views_admin.user_action, name="user_action"),
    path("institutions/", views_admin.institution_list, name="institution_list"),
    path("institutions/new/", views_admin.institution_create, name="institution_create"),
    path("institutions/<int:institution_id>/", views_admin.institution_edit, name="institution_edit"),
    path("tokens/", views_tokens.token_list, name="token_list"),
    path("tokens/<int:token_id>/revoke/", views_tokens.token_revoke, name="token_revoke"),
    path("password/", views.password_change, name="password_change"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/forgot/reset/", views.password_forgot_reset, name="password_forgot_reset"),
]
