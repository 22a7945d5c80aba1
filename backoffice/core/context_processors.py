from django.conf import settings

from .models import Authority
from .selectors import unread_notification_count


def backoffice(request):
    user = getattr(request, "user", None)
    authority = Authority.objects.order_by("pk").first()
    return {
        "authority": authority,
        "site_name": authority.name if authority else settings.BACKOFFICE_NAME,
        "unread_notifications": unread_notification_count(user=user) if user else 0,
        "is_agent": bool(user and user.is_authenticated and user.works_for_authority),
    }
