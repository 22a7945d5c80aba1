"""French notation in templates (pages, e-mails, PDFs): one set of filters built on
backoffice.core.money, loaded everywhere as a template builtin."""

from django import template

from backoffice.core import money

register = template.Library()


@register.filter
def eur(value) -> str:
    """12345.6 → '12 345,60 €'; '—' for None."""
    return money.format_eur(value)


@register.filter
def number(value, places=2) -> str:
    """12345.6 → '12 345,60'."""
    return money.format_number(value, int(places))


@register.filter
def hours(value, places="") -> str:
    """Hours: 12.5 → '12,5 h', 200 → '200 h'; {{ v|hours:"2" }} → '200,00 h'."""
    return money.format_hours(value, trim=places == "")


@register.filter
def rate(value) -> str:
    """12.02 → '12,02 €/h'."""
    return money.format_rate(value)


@register.filter
def plural_s(count) -> str:
    """'s' from 2 on (French: '0 salarié', '1 convention', '2 conventions')."""
    return money.plural_suffix(count)


@register.filter
def counted(count, words: str) -> str:
    """{{ n|counted:"convention" }} → '1 convention', '3 conventions';
    {{ n|counted:"journal,journaux" }} for irregular plurals."""
    singular, _comma, plural_form = words.partition(",")
    return money.plural(count, singular, plural_form or None)


@register.filter
def frdate(value, style: str = "long") -> str:
    """date → '1er décembre 2026' ('long') or '01/12/2026' ('short')."""
    return money.format_date(value, long=style != "short")


@register.filter
def in_words(value) -> str:
    """4000 → 'quatre mille euros'."""
    if value is None or value == "":
        return "—"
    return money.amount_in_words(value)


@register.filter
def article(name) -> str:
    """'Ville de Lorient' → 'la Ville de Lorient'."""
    return money.with_article(str(name or ""))


@register.filter
def to_name(name) -> str:
    """'Les Jardins' → 'aux Jardins' (after a verb that takes 'à')."""
    return money.to_name(str(name or ""))
