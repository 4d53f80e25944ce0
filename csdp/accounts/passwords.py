"""Password policy (stated on the registration and password pages): at least 8 characters,
not all digits, not a common password, not like the username, and containing at least three of:
lower-case letters, upper-case letters, digits, other characters."""

import secrets
import string

from django.core.exceptions import ValidationError

POLICY_TEXT = "密码至少 8 位，须包含大写字母、小写字母、数字、特殊字符中的至少三类，且不能与用户名相近或为常见密码。"


class MixedCharacterValidator:
    def validate(self, password: str, user=None) -> None:
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < 3:
            raise ValidationError(POLICY_TEXT, code="password_too_simple")

    def get_help_text(self) -> str:
        return POLICY_TEXT


def temporary_password() -> str:
    """The one generator of passwords someone else chooses for a user (an administrator's new user or
    reset, a reset by SMS, a board user's opening). It passes the validators: letters of both cases,
    digits and a hyphen, 16 long. It ends with a letter or digit: an SMS's punctuation clean-up
    (csdp.notify.services.sms_text) would eat a final "!" before the sentence's "，". Whoever issues one
    sets ``password_change_required`` (csdp.accounts.services: ``user_create(password_temporary=True)``,
    ``user_password_temporary_set``)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(15))
        if any(c.islower() for c in body) and any(c.isupper() for c in body) and any(c.isdigit() for c in body):
            return body[:8] + "-" + body[8:]
