"""The reminder engine: find what is due, record it once, notify once.

Exactly once, by construction:
1. ``reminders_record`` inserts each due reminder with ``ON CONFLICT DO NOTHING`` on the unique
   key (kind, target, due date, step) and, in the same transaction, queues the delivery of the
   rows it actually inserted (``transaction.on_commit``). A re-run, a concurrent scan (blocked
   on the first one's uncommitted rows, then skipping them) or a crashed worker inserts nothing
   twice, so nobody is notified twice.
2. ``reminder_deliver`` flips a reminder from pending to sent under a row lock, in the same
   transaction as its ``notify()``: a redelivered task finds it sent and does nothing.
3. E-mails are sent by ``send_notification_email_task`` under a row lock on the notification.
Pending rows are an outbox: ``reminders_requeue_stale`` queues again whatever a crash between
commit and queueing left behind, so nothing is missed either.

``recording`` inserts each due reminder once, ``delivery`` notifies once, ``runs`` is the daily
job that drives both.
"""

from .delivery import ALLOWED_TRANSITIONS, reminder_deliver, reminder_send_now
from .recording import reminders_record
from .runs import RunReport, reminders_requeue_stale, reminders_run

__all__ = ["ALLOWED_TRANSITIONS", "RunReport", "reminder_deliver", "reminder_send_now",
           "reminders_record", "reminders_requeue_stale", "reminders_run"]
