"""A fixed-window counter in the shared cache, for actions that are not logins (django-axes
counts those)."""

from __future__ import annotations

from django.core.cache import cache


def throttle_hit(keys: list[str], *, limit: int, window: int) -> bool:
    """Count one request under every key; False when any key went past ``limit`` in its window."""
    allowed = True
    for key in keys:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:   # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
        allowed = allowed and count <= limit
    return allowed
