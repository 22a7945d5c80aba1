"""What the public home page shows from the apps above core.

Core renders the page but never imports those apps: each one registers, from its
``AppConfig.ready()``, a function returning the context its section of the page needs (the
funds app: open calls and published vote results).
"""

from __future__ import annotations

from collections.abc import Callable

HomeSection = Callable[[], dict]

_SECTIONS: dict[str, HomeSection] = {}


def register(name: str, section: HomeSection) -> None:
    """Add an app's section to the home page (registering a name again replaces it)."""
    _SECTIONS[name] = section


def context() -> dict:
    """The context of every registered section, merged."""
    merged: dict = {}
    for section in _SECTIONS.values():
        merged.update(section())
    return merged
