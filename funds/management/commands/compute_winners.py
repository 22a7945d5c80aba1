"""manage.py compute_winners CALL_ID --rule RULE — compute (and store) the winners of a call."""

import json
from decimal import Decimal

from django.core.management.base import CommandError

from backoffice.core.management.base import BaseCommand
from funds.models import Application, Call
from funds.voting.models import ComputationStatus
from funds.voting.pabulib import META_RULES
from funds.voting.results import vote_computation_request, vote_computation_run
from funds.voting.rules import RULES, rule_label


class Command(BaseCommand):
    help = "Calcule les lauréats d'un budget participatif avec une règle donnée."

    def add_arguments(self, parser):
        parser.add_argument("call_id", type=int)
        parser.add_argument("--rule", choices=sorted({*RULES, *META_RULES}),
                            help="Règle (par défaut celle de l'appel) : nom Pabulib "
                                 "(equalshares/add1...) ou celui du logiciel (mes-add1...).")

    def handle(self, *args, **options):
        call = Call.objects.filter(pk=options["call_id"], kind="participatory").first()
        if call is None:
            raise CommandError(f"Budget participatif introuvable : {options['call_id']}")
        rule = options["rule"]
        # a Pabulib name: its threshold / exclusive groups are the call's own settings
        rule = META_RULES.get(rule, rule) if rule else None
        computation = vote_computation_request(call=call, actor=None, rule=rule)
        # A command waits for its result even when the request went to a worker.
        computation = vote_computation_run(computation_id=computation.pk)
        if computation.status != ComputationStatus.DONE:
            raise CommandError(computation.error)
        names = dict(Application.objects.filter(call=call)
                     .values_list("pk", "external_reference"))
        winners = [names.get(pk) or str(pk) for pk in computation.winner_ids()]
        spent = sum((Decimal(p["spent"]) for p in computation.parts()), Decimal(0))
        budget = sum((Decimal(p["budget"]) for p in computation.parts()), Decimal(0))
        for part in computation.parts():
            if part["name"]:
                self.stdout.write(f"# {part['name']} : {len(part['winners'])} lauréats, "
                                  f"{part['spent']} / {part['budget']}")
        self.stdout.write(json.dumps({"call": call.pk, "rule": computation.rule,
                                      "rule_label": rule_label(computation.rule),
                                      "winners": winners, "spent": str(spent),
                                      "budget": str(budget)}))
