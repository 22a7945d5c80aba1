from django.apps import AppConfig


class EsignConfig(AppConfig):
    name = "esign"
    verbose_name = "Signature électronique"
    default_auto_field = "django.db.models.BigAutoField"
