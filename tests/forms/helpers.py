"""Finding a rendered form and reading what the page says next to a field."""

from __future__ import annotations


def form_with(page, text: str = "", *, url: str = "", **values):
    """The one rendered form whose HTML contains ``text`` (a button label), whose action
    contains ``url`` and whose fields have the given ``values`` (hidden inputs, say);
    fails when none or several match."""
    def matches(form):
        return (text in form.text and url in (form.action or "")
                and all(name in form.fields and form.fields[name][0].value == str(value)
                        for name, value in values.items()))

    found = [form for key, form in page.forms.items() if isinstance(key, int) and matches(form)]
    assert len(found) == 1, (f"{len(found)} forms with {text!r} / {url!r} / {values} on the page: "
                             f"{[f.action for k, f in page.forms.items() if isinstance(k, int)]}")
    return found[0]


def _element(page, name: str, url: str, where: dict | None = None):
    """The field ``name`` on the page; with ``url`` (and ``where``, hidden values naming a
    row), inside the one form posting there."""
    scope = page.html
    if url or where:
        def matches(form):
            return url in (form.get("action") or "") and all(
                form.find("input", attrs={"name": key, "value": str(value)})
                for key, value in (where or {}).items())

        forms = [f for f in page.html.find_all("form") if matches(f)]
        assert len(forms) == 1, f"{len(forms)} forms posting to {url!r} with {where}"
        scope = forms[0]
    found = scope.find_all(attrs={"name": name})
    assert len(found) == 1 or all(f.get("type") in ("radio", "checkbox") for f in found), (
        f"{len(found)} fields named {name!r} (scope with url=…)")
    return found[0]


def field_error(page, name: str, *, url: str = "", where: dict | None = None) -> str:
    """The error text shown next to the field named ``name`` (in its ``.field`` block, or the
    ``.field-error`` paragraphs that follow it)."""
    element = _element(page, name, url, where)
    block = element.find_parent(class_="field")
    if block is not None:
        errors = block.select(".field-error")
    else:
        errors = []
        for sibling in element.find_all_next():
            if sibling.name in ("input", "select", "textarea", "button", "form"):
                break
            if "field-error" in (sibling.get("class") or []):
                errors.append(sibling)
    return " ".join(error.get_text(" ", strip=True) for error in errors)


def value_of(page, name: str, *, url: str = "", where: dict | None = None) -> str:
    """The value the page shows in the field ``name`` (what the user typed, kept)."""
    element = _element(page, name, url, where)
    if element.name == "textarea":
        text = element.get_text()
        return text[1:] if text.startswith("\n") else text
    if element.name == "select":
        selected = element.find("option", selected=True)
        return selected.get("value", selected.get_text()) if selected else ""
    return element.get("value", "")


def messages_of(page) -> str:
    """The flash messages shown at the top of the page."""
    return " ".join(p.get_text(" ", strip=True) for p in page.html.select(".messages .message"))


def summary_of(page) -> str:
    """The error summary of a page (non-field errors included)."""
    return " ".join(el.get_text(" ", strip=True) for el in page.html.select(".error-summary"))


def tick(form, name: str, values) -> None:
    """Tick exactly the checkboxes ``name`` whose value is in ``values``, as a user would."""
    wanted = {str(value) for value in values}
    boxes = form.fields[name]
    assert wanted <= {box._value for box in boxes}, f"no checkbox {wanted} among {name!r}"
    for box in boxes:
        box.checked = box._value in wanted


def post_refused(app, url: str, data: dict | None = None):
    """POST as the signed-in user WITH a valid CSRF token (so that a 403 can only be the
    permission's, never the expired-form page) and assert the French permission 403."""
    if "csrftoken" not in app.cookies:
        app.get("/")
    token = app.cookies["csrftoken"]
    response = app.post(url, {**(data or {}), "csrfmiddlewaretoken": token}, status=403)
    assert "Vous n'avez pas accès" in response.text, response.text[:500]
    return response
