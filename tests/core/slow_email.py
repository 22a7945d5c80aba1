"""A file-based e-mail sink that announces each send, then waits before writing it.

The real-worker test kills the worker while a send is announced but not written, i.e. in the
middle of a batch and never in the instant between writing a message and recording it.
"""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends import filebased


class SlowFileBackend(filebased.EmailBackend):
    def send_messages(self, email_messages):
        markers = Path(self.file_path) / "sending"
        markers.mkdir(parents=True, exist_ok=True)
        for _message in email_messages:
            (markers / uuid.uuid4().hex).touch()
        time.sleep(float(os.environ.get("SLOW_EMAIL_SECONDS", "0.5")))
        return super().send_messages(email_messages)


def sent_messages(folder: Path) -> list[str]:
    """The recipient of every message written in ``folder`` (one entry per message)."""
    recipients = []
    for path in folder.glob("*.log"):
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                recipients.append(line[4:].strip())
    return recipients


def announced(folder: Path) -> int:
    markers = folder / "sending"
    return len(list(markers.iterdir())) if markers.exists() else 0
