"""The OpenAPI schema in French, and true to what the API answers.

- Summaries and descriptions: ``extend_schema(summary=…, description=…)`` on actions, or the
  view's ``api_description`` (French, for every operation of the view); standard actions
  (list, retrieve, create…) get a summary built from the model's French verbose names. View
  docstrings (English, for developers) never reach the schema.
- Only a ``list`` action is paginated: a detail action answering several objects (the
  amendments or the schedule of one convention) answers a plain array, documented as such.
- The error answers every client meets are documented once, in French: 400 (field errors),
  401/403 (not logged in, token expired, not allowed) and 404.
- Django's and DRF's generic texts (path identifiers, page number, enum lists) are replaced by
  French ones.
"""

from __future__ import annotations

import re

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

STANDARD_SUMMARIES = {
    "list": "Liste : {plural}",
    "retrieve": "Détail : {name}",
    "create": "Créer : {name}",
    "update": "Modifier : {name}",
    "partial_update": "Modifier en partie : {name}",
    "destroy": "Supprimer : {name}",
}

ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "Message en français."}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Erreurs par champ : le nom du champ (ou non_field_errors pour une erreur "
                   "d'ensemble) et la liste de ses messages en français.",
    "additionalProperties": {},
}
ERRORS = {
    "400": ("Requête invalide : les erreurs sont données champ par champ, en français.",
            "ErreursDeChamps"),
    "401": ("Jeton expiré ou révoqué : demandez-en un nouveau.", "Erreur"),
    "403": ("Non connecté, ou action non autorisée pour votre rôle (motif en français).",
            "Erreur"),
    "404": ("Introuvable, ou hors de votre périmètre.", "Erreur"),
}


class AutoSchema(SpectacularAutoSchema):
    def _model(self):
        queryset = getattr(self.view, "queryset", None)
        if queryset is not None:
            return queryset.model
        serializer_class = getattr(self.view, "serializer_class", None)
        meta = getattr(serializer_class, "Meta", None)
        return getattr(meta, "model", None)

    def get_summary(self):
        action = getattr(self.view, "action", None)
        template = STANDARD_SUMMARIES.get(action or "")
        model = self._model()
        if template is None or model is None:
            return None
        return template.format(name=model._meta.verbose_name,
                               plural=model._meta.verbose_name_plural)

    def get_description(self):
        return getattr(self.view, "api_description", "")

    def _get_paginator(self):
        if getattr(self.view, "action", None) != "list":
            return None
        return super()._get_paginator()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        has_input = self.method in ("POST", "PUT", "PATCH") or bool(
            self.get_filter_backends()) or self._has_query_parameters()
        codes = ["403", "404"]
        if has_input:
            codes.insert(0, "400")
        if self.get_auth() and {"tokenAuth": []} in self.get_auth():
            codes.insert(-1, "401")
        for code in codes:
            if code in responses:
                continue
            description, component = ERRORS[code]
            responses[code] = {
                "description": description,
                "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{component}"}}},
            }
        return responses

    def _has_query_parameters(self):
        return any(parameter.get("in") == "query"
                   for parameter in self._get_parameters())


PK_TEXT = re.compile(r"^Un\(une\) valeur entière unique identifiant ce\(cette\) (?P<name>.+)\.$")
ENUM_LINE = re.compile(r"^\* `(?P<value>[^`]*)` - (?P<label>.*)$")


def _frenchify_parameter(parameter: dict) -> None:
    description = parameter.get("description", "")
    match = PK_TEXT.match(description)
    if match:
        parameter["description"] = f"Identifiant (entier) : {match['name']}."
    elif parameter.get("name") == "page" and parameter.get("in") == "query":
        parameter["description"] = "Numéro de la page de résultats (à partir de 1)."
    elif not description and parameter.get("in") == "path":
        parameter["description"] = "Identifiant (entier)."


def _frenchify_enum(schema: dict) -> None:
    """DRF writes ``* `value` - label``; an empty value or an untranslated label reads
    ``* `` - `` ``: say « (vide) » instead."""
    description = schema.get("description")
    if not description or "* `" not in description:
        return
    lines = []
    for line in description.split("\n"):
        match = ENUM_LINE.match(line)
        if match:
            value, label = match["value"], match["label"].strip()
            line = f"* `{value}` - {label or '(vide)'}" if value else "* (vide) - aucune valeur"
        lines.append(line)
    schema["description"] = "\n".join(lines)


def _walk(node) -> None:
    if isinstance(node, dict):
        _frenchify_enum(node)
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def french_schema_hook(result, generator, request, public):
    """Postprocessing hook: the error components, and French generic texts."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Erreur", ERROR_DETAIL)
    schemas.setdefault("ErreursDeChamps", FIELD_ERRORS)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _frenchify_parameter(parameter)
            for response in operation.get("responses", {}).values():
                if response.get("description") == "No response body":
                    response["description"] = "Pas de contenu."
    for scheme in result["components"].get("securitySchemes", {}).values():
        if scheme.get("description", "").startswith("Token-based authentication"):
            scheme["description"] = ("Jeton d'API, envoyé dans l'en-tête "
                                     "« Authorization: Token <clé> » (voir /api/v1/auth/token/).")
    _walk(result.get("components", {}))
    return result
