"""The API answers what its OpenAPI schema says, for an agent and for an association member.

Schemathesis reads the schema the app generates and runs its examples and coverage phases on
every operation, in-process through Django's WSGI handler, with the token of each user. Any 5xx
fails, and so does any answer whose status code, content type, headers or body the schema does
not document. The coverage phase yields about 6,000 cases per user (every valid and invalid
variant of every parameter and field): a deterministic, evenly spread sample of at most
``PER_OPERATION`` of them per operation keeps the test under a minute; the cases on an object
are sent both to an unknown identifier (404) and to a real object of the user's scope.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis import checks
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import NO_FEEDBACK
from schemathesis.generation.hypothesis.builder import generate_example_cases
from schemathesis.generation.modes import GenerationMode
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi import checks as openapi_checks

from backoffice.core.models import Notification
from conventions import services as convention_services
from conventions.models import LineKind
from tests.conventions.factories import make_convention
from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user
from tests.funds.factories import ApplicationFactory, CallFactory
from tests.volunteering.factories import EntryFactory

pytestmark = pytest.mark.django_db

PER_OPERATION = 6
# Coverage cases read per operation before sampling (the larger bodies yield ~500).
COVERAGE_CAP = 40
CHECKS = [checks.not_a_server_error, openapi_checks.status_code_conformance,
          openapi_checks.content_type_conformance, openapi_checks.response_schema_conformance,
          openapi_checks.response_headers_conformance]
# The coverage phase also sends the methods an address does not take: 405 with its Allow header.
METHOD_CHECKS = [checks.not_a_server_error, openapi_checks.unsupported_method]


@functools.cache
def api_schema():
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.renderers import JSONRenderer

    raw = json.loads(JSONRenderer().render(SchemaGenerator().get_schema(request=None,
                                                                        public=True)))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = APP
    return schema


def _spread(cases: list, count: int) -> list:
    if len(cases) <= count:
        return cases
    step = len(cases) / count
    return [cases[int(i * step)] for i in range(count)]


@functools.cache
def sampled_cases() -> tuple[tuple[str, tuple], ...]:
    """(operation label, cases) for every operation: its examples phase (the schema's examples,
    or one generated valid case) and an even sample of its coverage phase."""
    schema = api_schema()
    result = []
    for found in schema.get_all_operations():
        operation = found.ok()
        examples = list(generate_example_cases(test=lambda case: None, operation=operation,
                                               fill_missing=True))
        coverage = list(itertools.islice(CoverageGenerator(
            operation=operation, generation_modes=list(GenerationMode),
            generation_config=schema.config.generation_for(operation=operation,
                                                           phase="coverage"),
            auth_storage=None, override=Override(query={}, headers={}, cookies={},
                                                 path_parameters={}, body={}),
            feedback=NO_FEEDBACK), COVERAGE_CAP))
        same = [case for case in coverage if case.method.upper() == operation.method.upper()]
        other = [case for case in coverage if case.method.upper() != operation.method.upper()]
        result.append((operation.label, tuple(
            examples + _spread(same, PER_OPERATION - 2) + other[:1])))
    return tuple(result)


class CountingApp:
    """Django's WSGI handler, counting requests by status code."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.statuses: Counter = Counter()

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            self.statuses[status.split()[0]] += 1
            return start_response(status, headers, exc_info)

        return self.handler(environ, start)


APP = CountingApp()


@pytest.fixture
def wsgi_app():
    # As Django's test client does: keep the test's transaction and connection across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    APP.statuses.clear()
    try:
        yield APP
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _world(who: str) -> tuple[str, dict[str, dict[str, int]]]:
    """The user's token, and real objects of their scope by path prefix and parameter."""
    authority = AuthorityFactory()
    organisation = OrganisationFactory()
    agent = staff_user()
    member = member_of(organisation)
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    payment = convention_services.payment_order(
        line=advance, ordered_on=dt.date(2026, 2, 1), mandate_reference="M-1", actor=agent)
    call = CallFactory(fund__authority=authority)
    application = ApplicationFactory(call=call, organisation=organisation, applicant=member)
    entry = EntryFactory(volunteer__organisation=organisation)
    user = agent if who == "agent" else member
    notification = Notification.objects.create(recipient=user, event="test", title="Bienvenue")
    report = convention.years.get(year=2026).report
    objects = {
        "/api/v1/applications/": {"id": application.pk},
        "/api/v1/calls/": {"id": call.pk},
        "/api/v1/conventions/": {"id": convention.pk, "payment_pk": payment.pk},
        "/api/v1/financial-reports/": {"id": report.pk},
        "/api/v1/notifications/": {"id": notification.pk},
        "/api/v1/organisations/": {"id": organisation.pk},
        "/api/v1/volunteer-entries/": {"id": entry.pk},
        "/api/v1/volunteers/": {"id": entry.volunteer_id},
    }
    return Token.objects.create(user=user).key, objects


def _on_real_objects(case, objects):
    """The same case on real objects (its valid identifiers replaced), or None."""
    for prefix, ids in objects.items():
        if case.operation.path.startswith(prefix):
            params = dict(case.path_parameters or {})
            replaced = {name: value for name, value in ids.items()
                        if str(params.get(name, "")).isdigit()}
            if not replaced:
                return None
            return case.operation.Case(
                method=case.method, path_parameters={**params, **replaced},
                headers=dict(case.headers or {}), cookies=case.cookies, query=case.query,
                body=case.body, media_type=case.media_type)
    return None


@pytest.mark.parametrize("who", ["agent", "member"])
def test_api_answers_as_documented(who, wsgi_app, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 15, 10), tick=False)
    token, objects = _world(who)
    headers = {"Authorization": f"Token {token}"}
    failures = []
    for label, cases in sampled_cases():
        for index, case in enumerate(cases):
            # The first coverage case keeps its unknown identifier (404); the others go to a
            # real object of the user's scope.
            run = (_on_real_objects(case, objects) if index != 1 else None) or case
            response = run.call(headers=headers)
            other_method = run.method.upper() != run.operation.method.upper()
            try:
                run.validate_response(response, checks=METHOD_CHECKS if other_method else CHECKS)
            except (AssertionError, FailureGroup) as exc:
                failures.append(f"{label} [{response.status_code}]: {str(exc)[:1500]}")
    total = sum(wsgi_app.statuses.values())
    print(f"\n{who}: {total} requests, by status: {dict(sorted(wsgi_app.statuses.items()))}")
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures[:15])
    assert wsgi_app.statuses["200"] > 20 and wsgi_app.statuses["400"] > 20
