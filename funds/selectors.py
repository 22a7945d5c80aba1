"""Reads of the funds app."""


def call_list_open():
    """Calls open for applications, shown on the public home page."""
    return []
