"""Demo data of this app, called by ``manage.py seed_demo`` (must stay idempotent)."""


def seed(demo) -> None:
    """Add this app's demo records. ``demo`` carries the authority, organisations and users."""
