"""Finding a rendered form and reading what the page says next to a field."""

from __future__ import annotations


def form_with(page, text: str = "", *, action: str = ""):
    """The one rendered form whose HTML contains ``text`` (a button label, a hidden value) and
    whose action contains ``action``; fails when none or several match."""
    found = [form for key, form in page.forms.items() if isinstance(key, int)
             and text in form.text and action in (form.action or "")]
    assert len(found) == 1, (f"{len(found)} forms with {text!r} / {action!r} on the page: "
                             f"{[f.action for k, f in page.forms.items() if isinstance(k, int)]}")
    return found[0]


def field_error(page, name: str) -> str:
    """The error text shown next to the field named ``name`` (in its ``.field`` block, or the
    ``.field-error`` paragraphs that follow it)."""
    element = page.html.find(attrs={"name": name})
    assert element is not None, f"no field {name!r} on the page"
    block = element.find_parent(class_="field")
    if block is not None:
        errors = block.select(".field-error")
    else:
        errors = []
        for sibling in element.find_all_next():
            if sibling.name in ("input", "select", "textarea", "button"):
                break
            if "field-error" in (sibling.get("class") or []):
                errors.append(sibling)
    return " ".join(error.get_text(" ", strip=True) for error in errors)


def value_of(page, name: str) -> str:
    """The value the page shows in the field ``name`` (what the user typed, kept)."""
    element = page.html.find(attrs={"name": name})
    assert element is not None, f"no field {name!r} on the page"
    if element.name == "textarea":
        return element.get_text()
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
