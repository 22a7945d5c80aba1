"""Participatory-budget vote: ballot rules (pure), services, results, Pabulib import/export, stats."""
