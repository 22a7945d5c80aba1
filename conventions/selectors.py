"""Reads of the conventions app."""


def financial_reports_overdue(*, organisation, on=None) -> list:
    """Financial reports of ``organisation`` past their due date and not yet received.

    The funds app warns (or blocks) an application from an organisation with an overdue report.
    """
    return []
