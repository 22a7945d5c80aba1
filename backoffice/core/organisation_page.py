"""What the organisation page shows from the apps above core.

Core renders the page but never imports those apps: each one registers, from its
``AppConfig.ready()``, the template of its section and a function of the organisation and
the viewing user returning the section's context, or None when that user sees nothing of it
(the conventions app: the in-kind aid the authority grants, for its staff). The sections
appear in the order the apps are installed.
"""

from __future__ import annotations

from collections.abc import Callable

SectionContext = Callable[..., "dict | None"]

_SECTIONS: dict[str, tuple[str, SectionContext]] = {}


def register(name: str, *, template: str, context: SectionContext) -> None:
    """Add an app's section to the organisation page (registering a name again replaces it).
    ``context`` is called as ``context(organisation=…, user=…)``."""
    _SECTIONS[name] = (template, context)


def sections(*, organisation, user) -> list[dict]:
    """The sections this user sees on this organisation's page: ``{"template", "context"}``
    each, in order."""
    shown = []
    for template, section_context in _SECTIONS.values():
        context = section_context(organisation=organisation, user=user)
        if context is not None:
            shown.append({"template": template, "context": context})
    return shown
