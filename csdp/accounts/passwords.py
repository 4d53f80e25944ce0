"""Password policy (stated on the registration and password pages): at least 8 characters,
not all digits, not a common password, not like the username, and containing at least three of:
lower-case letters, upper-case letters, digits, other characters."""

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
