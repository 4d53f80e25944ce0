"""Pages open to the limited login scopes (csdp.accounts.middleware).

000 §二(六): 口令登录 reaches 国密证书管理 (补办证书) and 经办人信息维护; a password-only login reaches
only 经办人信息维护 (the changed-mobile path). 经办人信息维护 belongs to the issuers app, which
registers its own page for both scopes; the key pages are registered here.
A login whose key still carries its initial PIN reaches only the PIN change page (000 §一(二)3).
"""

from csdp.accounts.middleware import register_before_password_change, register_scope

PASSWORD_SMS = "password_sms"
PASSWORD_ONLY = "password_only"
PIN_CHANGE = "pin_change"

# An expired certificate cannot sign the U盾 login: its holder renews from the 口令登录 session (issue 19 §8).
register_scope(
    PASSWORD_SMS, {"keys:certificates", "keys:reissue_apply", "keys:application_detail", "keys:renewal_apply"}
)
register_scope(PASSWORD_ONLY, set())
register_scope(PIN_CHANGE, {"keys:pin_change"})
# The initial PIN is changed first when both are due: the key login sends the session there, and the
# temporary password's change page comes after it (csdp.accounts.middleware.PasswordChangeMiddleware).
register_before_password_change({"keys:pin_change"})
