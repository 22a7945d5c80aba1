"""An e-mail backend whose server is always down (SMTP errors are OSError)."""

from django.core.mail.backends.base import BaseEmailBackend


class DownBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("Connexion refusée par le serveur SMTP")
