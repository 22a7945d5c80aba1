"""What each app contributes to a person's data export and to the scheduled purge.

Apps above this one (funds, volunteering…) register here from their ``AppConfig.ready()``;
this app never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ExportProvider = Callable[..., dict]      # (user=) -> {"section title": [rows…]}
PurgeProvider = Callable[..., dict]       # (today=, dry_run=) -> {"what": count}


@dataclass(frozen=True)
class Provider:
    name: str
    export: ExportProvider | None = None
    purge: PurgeProvider | None = None


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    _PROVIDERS[provider.name] = provider


def providers() -> list[Provider]:
    return list(_PROVIDERS.values())
