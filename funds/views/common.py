"""Helpers shared by the funds pages."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from backoffice.core.budget import VOLUNTEERING_CHARGE, budget_errors, budget_totals

from .. import rules, selectors
from ..models import Application, Call
from ..permissions import can


def check(user, action: str, obj=None) -> None:
    allowed, reason = can(user, action, obj)
    if not allowed:
        raise PermissionDenied(reason)


def application_or_404(request, pk: int) -> Application:
    try:
        return selectors.application_detail(user=request.user, pk=pk)
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def call_or_404(pk: int, *, public: bool = True) -> Call:
    qs = Call.objects.select_related("fund", "fund__authority")
    if public:
        qs = qs.exclude(phase="draft")
    try:
        return qs.get(pk=pk)
    except Call.DoesNotExist as exc:
        raise Http404 from exc


def errors_to_forms(exc: ValidationError, main_form, other_forms=()) -> None:
    """Put a service's French errors on the matching form fields (or as non-field errors)."""
    if not hasattr(exc, "error_dict"):
        main_form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        if field == "answers":
            messages = _answers_to_questions(main_form, messages)
            if not messages:
                continue
        target = main_form
        for form in other_forms:
            if field in form.fields:
                target = form
        if field in target.fields:
            target.add_error(field, messages)
        elif field in ("budget",) and other_forms:
            other_forms[0].add_error(None, messages)
        else:
            main_form.add_error(None, messages)


def _answers_to_questions(form, messages: list[str]) -> list[str]:
    """Put each « Répondez à la question … » on its question's field; return the others."""
    left = []
    for message in messages:
        name = next((name for name in form.fields
                     if name.startswith("q_") and f"« {form.fields[name].label} »" in message), None)
        if name:
            form.add_error(name, message)
        else:
            left.append(message)
    return left


def shares_context(application: Application, lines, amount_requested) -> dict:
    """What the live panel shows: shares, rule checks with their explanation, budget errors."""
    fund_rules = selectors.fund_rules(application.call.fund)
    return {
        "shares": rules.compute_shares(lines, volunteering_counts=fund_rules.volunteering_counts,
                                       in_kind_counts=fund_rules.in_kind_counts),
        "checks": rules.rule_checks(lines, amount_requested=amount_requested or 0,
                                    rules=fund_rules),
        "budget_errors": budget_errors(lines) if lines else [],
        "totals": budget_totals(lines),
        "fund_rules": fund_rules,
        "planned_volunteering": sum((line.amount for line in lines
                                     if line.account == VOLUNTEERING_CHARGE), Decimal("0.00")),
        "realised_volunteering": selectors.realised_volunteering(application),
    }
