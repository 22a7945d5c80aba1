"""Pure rules of the vote: ballot validity, voter eligibility, age bands. No ORM."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from backoffice.core.money import format_eur

from .outcome import NO_CONSTRAINTS

AGE_BANDS = [(16, 17), (18, 24), (25, 34), (35, 49), (50, 64), (65, None)]


def census_key(last_name: str, first_name: str, birth_date: dt.date) -> str:
    """Matching key of a person: names without accents, case or extra spaces, and birth date."""

    def norm(text: str) -> str:
        text = unicodedata.normalize("NFKD", text or "")
        text = "".join(c for c in text if not unicodedata.combining(c))
        return " ".join(text.replace("-", " ").lower().split())

    return f"{norm(last_name)}|{norm(first_name)}|{birth_date.isoformat()}"


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_band(age: int | None) -> str:
    """The French label of the band holding ``age`` ("inconnu" when not known)."""
    if age is None:
        return _("inconnu")
    for low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return _("%(low)s ans et plus") % {"low": low} if high is None else \
                _("%(low)s–%(high)s ans") % {"low": low, "high": high}
    return _("moins de %(age)s ans") % {"age": AGE_BANDS[0][0]}


def age_band_labels() -> list[str]:
    """Every label ``age_band`` can give, youngest first, "inconnu" last."""
    return [age_band(0)] + [age_band(low) for low, _high in AGE_BANDS] + [age_band(None)]


def ballot_errors(*, style: str, choices: Sequence[str], costs: Mapping[str, Decimal],
                  min_choices: int, max_choices: int | None, envelope: Decimal,
                  min_budget_share: Decimal | None) -> list[str]:
    """Why a ballot is invalid (French messages); empty = valid.

    Invariant: a valid ballot names only projects of ``costs``, each once; an approval ballot has
    between ``min_choices`` and ``max_choices`` projects; a knapsack ballot costs at most the
    envelope and at least ``min_budget_share`` of it.
    """
    errors = []
    unknown = [c for c in choices if c not in costs]
    if unknown:
        return [_("Projet inconnu ou hors de votre bulletin : %(ids)s.") % {"ids": ", ".join(unknown)}]
    if len(set(choices)) != len(choices):
        return [_("Un projet ne peut être choisi qu'une fois.")]
    if not choices:
        return [_("Choisissez au moins un projet.")]
    if style == "knapsack":
        total = sum((costs[c] for c in choices), Decimal(0))
        if total > envelope:
            errors.append(_("Votre sélection coûte %(total)s, plus que l'enveloppe de %(envelope)s.")
                          % {"total": format_eur(total), "envelope": format_eur(envelope)})
        elif min_budget_share and total < envelope * min_budget_share:
            errors.append(_("Votre sélection doit utiliser au moins %(minimum)s de l'enveloppe "
                            "(elle coûte %(total)s).")
                          % {"minimum": format_eur(envelope * min_budget_share),
                             "total": format_eur(total)})
    else:
        if len(choices) < min_choices:
            errors.append(_("Choisissez au moins %(n)s projets.") % {"n": min_choices})
        if max_choices is not None and len(choices) > max_choices:
            errors.append(_("Vous avez choisi %(count)s projets : %(n)s au maximum.")
                          % {"count": len(choices), "n": max_choices})
    return errors


def inputs_sha256(*, rule: str, min_votes: int | None, parts: Sequence[Mapping]) -> str:
    """SHA-256 of what a computation read (rule, envelopes, costs, ballots), order-independent."""
    canonical = {
        "rule": rule, "min_votes": min_votes,
        # the threshold, exclusive groups and category budgets read (absent: none)
        **({"constraints": [part["constraints"].as_dict() for part in parts]}
           if any(part.get("constraints") and part["constraints"] != NO_CONSTRAINTS for part in parts)
           else {}),
        "parts": sorted(
            ({"name": part["name"], "budget": str(part["budget"]),
              "projects": sorted((k, str(v)) for k, v in part["projects"].items()),
              "ballots": sorted(json.dumps(b, sort_keys=True) if isinstance(b, Mapping)
                                else json.dumps(sorted(b)) for b in part["ballots"])}
             for part in parts), key=lambda p: p["name"]),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
