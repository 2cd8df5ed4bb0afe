"""Drill: schemathesis over the OpenAPI description, signed in as an admin (issue 18).

Every /api operation is sent generated requests (valid ones and, by its negative mode, ones
that break the schema: ids past 32 bits, NUL bytes, lone surrogates, dates out of range, huge
numbers, long strings). No answer may be a server error, and every answer must be one the
description declares, in the shape it declares.

Bounded in `make test` (a few cases per operation, derandomized: the same cases every run);
HUIFANG_DRILL_FULL=1 sends many more, at random. The figures are printed.
"""

import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from twilio.request_validator import RequestValidator

from huifang.app import create_app
from ivr.config import get_ivr_settings
from tests.conftest import ON_SQLITE, Bind, make_user

FULL = os.environ.get("HUIFANG_DRILL_FULL", "") not in ("", "0")
# Cases an operation in each mode; HUIFANG_DRILL_EXAMPLES sets any other number.
EXAMPLES = int(os.environ.get("HUIFANG_DRILL_EXAMPLES", 60 if FULL else 2))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Operations that end the session the drill is signed in with.
SKIPPED = {"POST /api/auth/logout"}


def _admin_headers(client: TestClient, engine: Bind) -> dict[str, str]:
    password = make_user(engine, username="fuzz-admin", role="admin")
    token = client.post("/api/auth/token", data={"username": "fuzz-admin", "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _twilio_signature(case: Case) -> dict[str, str]:
    """Sign a webhook as Twilio would, so that what is behind the signature check is fuzzed."""
    settings = get_ivr_settings()
    url = settings.webhook_url(case.path)
    if case.query:
        url += "?" + urlencode(case.query, doseq=True)
    form = case.body if isinstance(case.body, dict) else {}
    params = {k: v if isinstance(v, list) else _form_text(v) for k, v in form.items()}
    validator = RequestValidator(settings.twilio_auth_token)
    return {"X-Twilio-Signature": validator.compute_signature(url, params)}


def _form_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _operations(schema: Any) -> list[Any]:
    """Every operation of the description (one the loader could not read fails the drill)."""
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        found.append(result.ok())
    return found


def _run(operation: Any, mode: GenerationMode, call: Callable[[Case], object]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not FULL,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case) -> None:
        call(case)

    run()


@pytest.mark.skipif(ON_SQLITE, reason="the drill is for PostgreSQL, as production runs")
def test_no_operation_answers_with_a_server_error_or_off_its_schema(
    client: TestClient, engine: Bind
) -> None:
    app = create_app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = _admin_headers(client, engine)
    cases = 0
    failures: dict[str, str] = {}

    def call(case: Case) -> None:
        nonlocal cases
        cases += 1
        signed = _twilio_signature(case) if case.path.startswith("/twilio/") else {}
        case.call_and_validate(headers={**headers, **signed}, checks=CHECKS)

    operations = _operations(schema)
    for operation in operations:
        label = operation.label
        if label in SKIPPED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, call)
            except Unsatisfiable:
                continue  # nothing in the operation can be made invalid (no parameters)
            except BaseException as failure:  # every failing operation is reported
                if isinstance(failure, KeyboardInterrupt):
                    raise
                failures[f"{label} ({mode.value})"] = str(failure)[:600]
    print(f"schemathesis: {len(operations)} operations, {cases} cases, {len(failures)} failing")
    assert failures == {}, "\n\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))


def test_the_drill_sees_a_server_error_when_there_is_one() -> None:
    """The checks used above do fail on a 500 (a drill that cannot fail proves nothing)."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    broken = FastAPI()

    @broken.get("/boom")
    def boom() -> JSONResponse:
        return JSONResponse({"detail": "boom"}, status_code=500)

    schema = schemathesis.openapi.from_asgi("/openapi.json", broken)
    operation = _operations(schema)[0]
    with pytest.raises(BaseException) as raised:  # schemathesis groups what it found
        _run(operation, GenerationMode.POSITIVE, lambda case: case.call_and_validate(checks=CHECKS))
    assert "Server error" in str(raised.value)


def test_a_repricing_year_out_of_range_is_a_422_not_a_500(client: TestClient, engine: Bind) -> None:
    """What the drill found: POST /api/ledger/loans/repricings?year=-19205327 was a 500."""
    headers = _admin_headers(client, engine)
    for year in (-19205327, 0, 10000):
        answer = client.post("/api/ledger/loans/repricings", params={"year": year}, headers=headers)
        assert answer.status_code == 422, answer.text
