from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "backoffice.legal"
    label = "legal"
    verbose_name = "Pages légales et données personnelles"
    default_auto_field = "django.db.models.BigAutoField"
