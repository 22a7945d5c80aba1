"""What the public home page shows from the apps above core.

Core renders the page but never imports those apps: each one registers, from its
``AppConfig.ready()``, the template of its sections and a function returning the context they
need (the funds app: open calls and published vote results, ``funds/_home.html``). The
sections appear in the order the apps are installed.
"""

from __future__ import annotations

from collections.abc import Callable

HomeContext = Callable[[], dict]

_SECTIONS: dict[str, tuple[str, HomeContext]] = {}


def register(name: str, *, template: str, context: HomeContext) -> None:
    """Add an app's sections to the home page (registering a name again replaces them)."""
    _SECTIONS[name] = (template, context)


def context() -> dict:
    """The context of every registered section, merged, and their templates
    (``home_templates``) in order."""
    merged: dict = {"home_templates": []}
    for template, section_context in _SECTIONS.values():
        merged.update(section_context())
        merged["home_templates"].append(template)
    return merged
