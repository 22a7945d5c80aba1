"""The API's JSON parser, bounded: a body too large or nested too deep, or not an object, is a
French 400.

``json`` recurses once per level: ``[[[…]]]`` three thousand deep raised RecursionError, a 500
on every JSON endpoint. The nesting is measured on the raw text (strings skipped) before
anything is decoded.
"""

from __future__ import annotations

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

_TOKENS = re.compile(r'"(?:\\.|[^"\\])*"|[\[\]{}]')


def json_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in a JSON text (0 for a scalar)."""
    if text.count("[") + text.count("{") <= 1:
        return min(1, text.count("[") + text.count("{"))
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.API_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(_("Le contenu JSON dépasse %(size)s Ko.")
                             % {"size": limit // 1024})
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("Contenu JSON illisible : encodage invalide.")) from exc
        max_depth = settings.API_JSON_MAX_DEPTH
        if json_depth(text) > max_depth:
            raise ParseError(_("Contenu JSON trop imbriqué : %(max)s niveaux au plus.")
                             % {"max": max_depth})
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("Contenu JSON illisible : %(error)s.") % {"error": exc}) from None
        if not isinstance(data, dict):
            # Every endpoint takes an object of fields: a bare list or value is a 400, never
            # an AttributeError in a view.
            raise ParseError(_("Le contenu JSON doit être un objet : {\"champ\": valeur, …}."))
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} n'est pas un nombre JSON")
