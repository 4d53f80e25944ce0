"""A bounded schemathesis run against our own OpenAPI (issue 20, "Keep it tested"): every operation,
a few generated requests each, sent through the whole Django stack with an API token of a member and
of staff. No answer may be a server error, and every answer must be what the schema declares: a
declared status, the declared content type, a body that matches its schema (errors included:
``{code, detail, problems}``). The run is bounded (examples per operation) so it fits in `make test`."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from csdp.accounts.tokens import api_token_create

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(db):
    """The schema read through the WSGI app, as every case is sent. Like Django's test client, the
    calls must not close the database connection at the end of each request: the test's transaction
    lives on it (PostgreSQL; SQLite's in-memory database ignores the close)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from csdp.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(cast) -> dict[str, str]:
    out = {}
    for who in ("participant", "underwriter", "operator"):
        _, key = api_token_create(user=getattr(cast, who), name="schemathesis", scope="write")
        out[who] = key
    return out


def _summary(failure: BaseException) -> str:
    text = str(failure)
    for line in getattr(failure, "exceptions", ()):
        text += f" | {type(line).__name__}: {str(line)[:300]}"
    return text[:900]


def test_every_operation_answers_as_its_schema_says(api_schema, tokens):
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=3, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case):
            for key in tokens.values():
                response = case.call(headers={"Authorization": f"Bearer {key}"})
                case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:
            failures.append(f"{operation.label}: {_summary(failure)}")
    assert operations > 30
    assert not failures, "\n\n".join(failures)
