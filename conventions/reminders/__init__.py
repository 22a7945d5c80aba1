"""Reminder kinds of the conventions app (DOMAIN §5): financial reports, payments, advances,
yearly confirmations, conventions ending, open-data publication, recovery procedure.

Legal deadlines are mandatory kinds (nobody may opt out of their e-mail): the financial report
(loi 2000-321 art. 10, within 6 months of the year's end), the payment (within 60 days of its
trigger, loi 2021-875) and the open-data publication (décret 2017-779, within 3 months of
signature). Delays are settings read at call time.

One module per family (``reports``, ``payments``, ``lifecycle``, ``recovery``) on the shared
base (``base``); importing this package, as reminder autodiscovery does, registers them all.
"""

from . import lifecycle, payments, recovery, reports  # noqa: F401
