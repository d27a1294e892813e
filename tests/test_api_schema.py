"""The API's OpenAPI document tested against the running application with schemathesis: every
operation, with data generated from the document (valid and invalid), sent with a unit
manager's bearer token (and valid data with the admin's) to a city with results, plans, actions and reports. Every answer must be documented
(status, content type, body schema) and none may be a server error; invalid data must be
refused. Path parameters are often swapped for ids and periods that exist, so the checks reach
past the 404s into real documents and real progress reports."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.test_api import PERIOD, ApiWorld
from tracker.extensions import db

# Valid bodies may still be refused by the follow-up rules, which depend on the data (a plan not
# accepted, a quarter outside the action's schedule, a report already waiting): 422 with a
# message, documented as such. Everything else is schemathesis' default.
CONFIG = {"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}}
# Examples per operation, role and generation mode: about 500 requests in all. Set
# API_SCHEMA_EXAMPLES=500 for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "25"))


@pytest.fixture
def world(app, client):
    # This test sends a few hundred requests at once, invalid Authorization headers among them.
    app.config.update(API_RATE_LIMIT="100000/60", API_AUTH_FAILURE_LIMIT="100000/60")
    return ApiWorld(client)


def _swap(data, case, world):
    """Often replace generated path parameters with ones that exist (a drawn id rarely does)."""
    params = case.path_parameters or {}
    if "code" in params:
        params["code"] = data.draw(st.sampled_from([params["code"], PERIOD, "2023", "2023-S2"]))
    if "action_id" in params:
        ids = [world.action_a.id, world.action_a2.id, world.action_b.id, world.action_draft.id]
        params["action_id"] = data.draw(st.sampled_from([params["action_id"], *ids]))
    if case.method == "POST" and isinstance(case.body, dict) and data.draw(st.booleans()):
        # a body the rules can accept: a planned quarter and an evidence link
        case.body["quarter"] = data.draw(st.sampled_from(["2023-TW2", "2023-TW3"]))
        case.body["evidence_link"] = "https://drive.kota.go.id/bukti/1.pdf"


def test_every_operation_answers_as_documented(world):
    app = world.client.application
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,
                                            config=schemathesis.Config.from_dict(CONFIG))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    seen: dict[str, set[int]] = {}
    # The unit's manager with valid and invalid data; the admin (every unit, no writing) with
    # valid data.
    runs = [("own", GenerationMode.POSITIVE, MAX_EXAMPLES), ("own", GenerationMode.NEGATIVE, MAX_EXAMPLES),
            ("admin", GenerationMode.POSITIVE, MAX_EXAMPLES // 2)]
    for operation in operations:
        for role, mode, examples in runs:
            headers = {"Authorization": f"Bearer {world.tokens[role]}"}

            @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
            def run(case, data):
                if mode == GenerationMode.POSITIVE:  # an invalid case stays invalid
                    _swap(data, case, world)
                response = case.call_and_validate(headers=headers)
                seen.setdefault(operation.label, set()).add(response.status_code)
                db.session.rollback()

            run()

    # The run reached real documents and real reports, not only refusals.
    assert 200 in seen["GET /api/v1/periods/{code}/results"], seen
    assert 200 in seen["GET /api/v1/actions/{action_id}"], seen
    assert {201, 403, 422} <= seen["POST /api/v1/actions/{action_id}/progress"], seen
