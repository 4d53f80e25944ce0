from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, max_length=128)
    # 000 §一(四) U盾登录, §二(六) 口令登录 and the password-only path (csdp.keys.login)
    mode = forms.ChoiceField(
        label="登录方式",
        choices=[("key", "U盾登录"), ("sms", "口令登录"), ("password", "仅密码登录（经办人手机号已变更）")],
        initial="key",
        required=False,
    )
    captcha = forms.CharField(label="图形验证码", max_length=10, required=False)

    def clean_mode(self):
        return self.cleaned_data.get("mode") or "key"
