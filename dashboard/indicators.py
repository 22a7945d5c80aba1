"""The lines of the pact scorecard: which figure, how it is shown, what it means, and which
direction is good news. One line per financing commitment of the pact (section "Financement")."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Indicator:
    key: str            # key in the figures of selectors.scorecard_year
    commitment: str     # the pact commitment it measures
    label: str
    kind: str           # "share", "money", "count", "days", "hours", "day_of_year"
    definition: str
    higher_is_better: bool | None = True
    # The list the figure summarises: URL name and query string ({year} is the chosen year).
    link: tuple[str, str] = ("conventions:convention-list", "year={year}")


MULTI_YEAR = _("Conventions pluriannuelles")
ADVANCE = _("Avance de trésorerie")
DELAYS = _("Délais de paiement")
NATURE = _("Fonctionnement et ingénierie, pas seulement l'investissement")
CITIZEN = _("Fonds pour les initiatives citoyennes")
COFINANCING = _("Cofinancement")
VOLUNTEERING = _("Bénévolat valorisé dans l'autofinancement")
REPORTS = _("Comptes rendus financiers")

INDICATORS = (
    Indicator("multi_year_share", MULTI_YEAR, _("Part des financements sous convention pluriannuelle"),
              "share", _("Montant des tranches de l'année (confirmé, sinon prévisionnel) des "
                         "conventions signées couvrant plus d'une année civile, divisé par le "
                         "montant de toutes les tranches de l'année.")),
    Indicator("cpo_count", MULTI_YEAR, _("Nombre de conventions pluriannuelles d'objectifs (CPO)"),
              "count", _("Conventions signées couvrant plus d'une année civile et ayant une "
                         "tranche cette année (circulaire 5811-SG : jusqu'à 4 ans).")),
    Indicator("advance_share", ADVANCE, _("Part des tranches ouvertes par une avance"), "share",
              _("Tranches de l'année dont l'échéancier comporte une avance d'un montant non nul, "
                "divisées par toutes les tranches de l'année des conventions signées."),
              link=("conventions:calendar", "")),
    Indicator("advance_median_day", ADVANCE, _("Jour médian de versement de l'avance"),
              "day_of_year", _("Médiane du jour de l'année (1 = 1er janvier) où les avances de "
                               "l'année ont été versées. La pratique de l'État : avant le 31 mars "
                               "(jour 90)."), higher_is_better=False,
              link=("conventions:calendar", "")),
    Indicator("delay_median", DELAYS, _("Délai médian de paiement"), "days",
              _("Délai = date de versement − date de déclenchement de l'échéance, en jours, pour "
                "les versements payés dans l'année. Médiane (percentile 50)."),
              higher_is_better=False,
              link=("conventions:calendar", "")),
    Indicator("delay_p90", DELAYS, _("Délai de paiement au 90e percentile"), "days",
              _("9 versements sur 10 ont été payés dans ce délai (90e percentile, calculé par "
                "interpolation linéaire entre les deux délais qui l'encadrent)."), higher_is_better=False,
              link=("conventions:calendar", "")),
    Indicator("on_time_share", DELAYS, _("Part des versements payés sous 60 jours"), "share",
              _("Versements de l'année payés au plus tard le 60e jour après leur déclenchement "
                "(loi 2021-875). Le 60e jour est à l'heure, le 61e en retard."),
              link=("conventions:convention-list", "late=on")),
    Indicator("operating_engineering_share", NATURE,
              _("Part des financements en fonctionnement et ingénierie"), "share",
              _("Montant des tranches de l'année des conventions de nature fonctionnement ou "
                "ingénierie sociale et écologique, divisé par le montant de toutes les tranches.")),
    Indicator("investment_share", NATURE, _("Part des financements en investissement"), "share",
              _("Montant des tranches de l'année des conventions d'investissement, divisé par le "
                "montant de toutes les tranches."), higher_is_better=None),
    Indicator("envelope", CITIZEN, _("Enveloppe des fonds ouverts"), "money",
              _("Somme des enveloppes des fonds dont la période couvre l'année."),
              link=("funds:agent-call-list", "")),
    Indicator("applications_count", CITIZEN, _("Dossiers déposés"), "count",
              _("Dossiers déposés dans l'année (hors brouillons)."),
              link=("funds:agent-call-list", "")),
    Indicator("awarded_amount", CITIZEN, _("Montant attribué"), "money",
              _("Somme des attributions dont la délibération date de l'année."),
              link=("funds:agent-call-list", "")),
    Indicator("newcomer_share", CITIZEN,
              _("Part de porteurs nouveaux ou informels"), "share",
              _("Dossiers déposés dans l'année par une organisation sans dossier déposé "
                "auparavant, par un collectif informel ou par un habitant à titre individuel, "
                "divisés par tous les dossiers déposés dans l'année."),
              link=("core:organisation-list", "")),
    Indicator("decision_median_days", CITIZEN, _("Délai médian entre dépôt et décision"), "days",
              _("Médiane, sur les attributions de l'année, du nombre de jours entre le dépôt du "
                "dossier et la date de la délibération."), higher_is_better=False,
              link=("funds:agent-call-list", "")),
    Indicator("cofinanced_share", COFINANCING,
              _("Part des projets financés ayant au moins un autre financeur"), "share",
              _("Attributions de l'année dont le budget du dossier comporte au moins une "
                "subvention (compte 74) d'un autre financeur, demandée ou obtenue, d'un montant "
                "non nul."),
              link=("funds:agent-call-list", "")),
    Indicator("volunteer_hours", VOLUNTEERING, _("Heures de bénévolat valorisées"), "hours",
              _("Heures validées de l'année rattachées à une convention ayant une tranche "
                "cette même année ; les heures sans convention ne sont pas comptées."),
              link=("volunteering:index", "annee={year}")),
    Indicator("volunteer_value", VOLUNTEERING, _("Bénévolat valorisé (€)"), "money",
              _("Valeur des mêmes heures, au taux enregistré avec chaque saisie (compte 870)."),
              link=("volunteering:index", "annee={year}")),
    Indicator("volunteering_share", VOLUNTEERING,
              _("Part du bénévolat dans l'autofinancement des projets financés"), "share",
              _("Dans les budgets des projets financés dans l'année : bénévolat (compte 870) "
                "divisé par l'autofinancement (ressources propres 70, 73, 75 à 78 et "
                "contributions en nature 87)."),
              link=("volunteering:index", "annee={year}")),
    Indicator("reports_on_time_share", REPORTS, _("Comptes rendus reçus à temps"), "share",
              _("Comptes rendus dus dans l'année (échéance passée ou déjà déposés) déposés au "
                "plus tard à leur date d'échéance (6 mois après la fin de l'exercice)."),
              link=("conventions:convention-list", "report_overdue=on")),
)
