"""The steps of a login and of 忘记密码 that belong to apps above accounts (docs/architecture.md
"Layers"): the picture code and the SMS one-time codes are csdp.notify's, the second step of a login
(USB-KEY, SMS code, authenticator) is csdp.keys'. Each app registers its part in AppConfig.ready();
accounts' pages call them through here and import neither app, so accounts stays below every app
whose views go through its access helper.

Nothing here holds business data: the slots are filled once at start-up with the same functions in
every process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any


@dataclass
class LoginSteps:
    captcha_check: Callable[[Any, str], bool]  # (request, answer) → right? single use (csdp.notify.captcha)
    demo_outbox: Callable[[], list[dict]]  # the demo login page's latest SMS codes (csdp.notify.selectors)
    second_step: Callable[..., str]  # (request, *, user, mode, target) → URL name or path (csdp.keys.login)
    code_issue: Callable[..., None]  # (*, purpose, mobile): send a one-time code (csdp.notify.codes)
    code_check: Callable[..., None]  # (*, purpose, mobile, code): accept it once or raise CsdpError
    sms_send: Callable[..., object]  # (*, mobile, text, purpose, user) (csdp.notify.services.notify_sms)


def _missing(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("login step not registered: csdp.notify and csdp.keys must be installed apps")


_STEPS = LoginSteps(**{f.name: _missing for f in fields(LoginSteps)})


def login_steps_register(**steps: Callable[..., Any]) -> None:
    names = {f.name for f in fields(LoginSteps)}
    for name, step in steps.items():
        if name not in names:
            raise TypeError(f"unknown login step {name!r}")
        setattr(_STEPS, name, step)


def login_steps() -> LoginSteps:
    return _STEPS
