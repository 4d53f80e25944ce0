import json

import pytest
from django.core.management import CommandError, call_command

from csdp.restrictions.models import Pledge
from tests.restrictions.factories import registered_pledge


def test_check_reports_agreement_and_a_mismatch(w, cast, capsys):
    pledge = registered_pledge(w, cast.operator, cast.reviewer)
    call_command("restrictions", "check")
    assert json.loads(capsys.readouterr().out) == {"ok": True, "problems": []}
    Pledge.objects.filter(pk=pledge.pk).update(released_shares=1_000)  # a record edited behind the services
    with pytest.raises(CommandError):
        call_command("restrictions", "check")
    out = json.loads(capsys.readouterr().out)
    assert not out["ok"] and "质押记录 2,000 股" in out["problems"][0]
