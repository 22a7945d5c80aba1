"""SCDL subventions 2.1.1 (décret 2017-779, arrêté du 17 novembre 2017): export and the pure
parsing helpers of the import. Reading messy real files: encodings, separators, French numbers."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.db.models import Prefetch

ZERO = Decimal("0.00")
SCDL_FIELDS = [
    "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
    "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
    "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention", "dispositifAide",
]


def scdl_rows(*, year: int, authority) -> list[dict]:
    """One row per signed convention of ``authority`` (each authority publishes its own data,
    even when several share one deployment) with a tranche in ``year``, its ``montant`` the total
    amount of the convention as signed or amended (the planned amount of every year: a later
    year not confirmed yet does not change it). Drafts, conventions sent but never signed and
    terminated ones are out; rows without a SIRET or RNA (informal collectives) cannot be
    published and are left out. ``nature``, ``notificationUE`` and ``dispositifAide`` (the
    fund the award came from) are read from the convention."""
    from .models import Convention, ConventionStatus, ConventionYear, ScheduleLine

    years = ConventionYear.objects.filter(year=year).prefetch_related(
        Prefetch("lines", queryset=ScheduleLine.objects.order_by("position")))
    conventions = (Convention.objects.filter(
        authority=authority, signed_on__isnull=False, years__year=year,
        status__in=[ConventionStatus.SIGNED, ConventionStatus.ACTIVE, ConventionStatus.CLOSED])
        .select_related("authority", "organisation", "award__fund")
        .prefetch_related(Prefetch("years", queryset=years, to_attr="the_year"),
                          Prefetch("years", queryset=ConventionYear.objects.only(
                              "convention_id", "planned_amount"), to_attr="all_years"))
        .order_by("organisation__name", "reference").distinct())
    rows = []
    for convention in conventions:
        organisation = convention.organisation
        siret = organisation.siret if re.fullmatch(r"\d{14}", organisation.siret or "") else ""
        if not (siret or organisation.rna):
            continue
        tranche = convention.the_year[0]
        dates = [line.planned_date for line in tranche.lines.all() if line.planned_date]
        period = dates[0].isoformat() if dates else f"{year}-01-01"
        if dates and dates[-1] != dates[0]:
            period += "/" + dates[-1].isoformat()
        rows.append({
            "nomAttribuant": convention.authority.name,
            "idAttribuant": convention.authority.siret,
            "dateConvention": convention.signed_on.isoformat(),
            "referenceDecision": convention.decision_reference,
            "nomBeneficiaire": organisation.name,
            "idBeneficiaire": siret,
            "rnaBeneficiaire": organisation.rna,
            "objet": " ".join(convention.object.split())[:256],
            "montant": f"{sum((y.planned_amount for y in convention.all_years), ZERO):.2f}",
            "nature": convention.aid_form,
            "conditionsVersement": "échelonné" if len(dates) > 1 else "unique",
            "datesPeriodeVersement": period,
            "idRAE": "",
            "notificationUE": "oui" if convention.eu_notified else "non",
            "pourcentageSubvention": "1",
            "dispositifAide": convention.award.fund.name if convention.award_id else "",
        })
    return rows


def scdl_csv(*, year: int, authority) -> str:
    """The SCDL file of ``authority`` for ``year``: the open-data dialect (``,``, decimal point, ISO dates) of the
    one export writer, whose escaping keeps a beneficiary's text from becoming a formula."""
    from backoffice.core.exports import OPEN_DATA, TEXT, Column, csv_bytes

    columns = [Column(name, TEXT) for name in SCDL_FIELDS]
    rows = ([row[name] for name in SCDL_FIELDS]
            for row in scdl_rows(year=year, authority=authority))
    return csv_bytes(columns, rows, dialect=OPEN_DATA).decode("utf-8")


# --- import helpers (pure) -------------------------------------------------------------------

HEADER_ALIASES = {
    "nomattribuant": "authority_name", "coll_nom": "authority_name",
    "idattribuant": "authority_id", "coll_siret": "authority_id",
    "dateconvention": "date", "acte_date": "date",
    "referencedecision": "decision", "acte_ref": "decision",
    "nombeneficiaire": "name", "attrib_nom": "name",
    "idbeneficiaire": "siret", "attrib_siret": "siret",
    "rnabeneficiaire": "rna",
    "objet": "object", "sub_obj": "object",
    "montant": "amount", "sub_montant": "amount",
    "nature": "nature",
    "conditionsversement": "conditions",
    "datesperiodeversement": "period",
}


def normalise_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.strip().lstrip("\ufeff"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return HEADER_ALIASES.get(re.sub(r"[\s\-]", "", text), text)


def decode(content: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ValueError("undecodable")  # latin-1 decodes every byte: never reached


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (";", ",", "\t", "|")}
    return max(counts, key=counts.get)


def parse_amount(raw: str) -> Decimal:
    """'137 825,00' / '10000.0' / '40 000,00 €' → Decimal; ValueError when unreadable."""
    text = (raw or "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    text = text.replace("€", "")
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(raw)
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(raw) from exc


def parse_date(raw: str) -> dt.date:
    text = (raw or "").strip()
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(raw)
