from django.conf import settings

from .selectors import site_authority, unread_notification_count


def backoffice(request):
    user = getattr(request, "user", None)
    authority = site_authority()
    return {
        "authority": authority,
        "site_name": authority.name if authority else settings.BACKOFFICE_NAME,
        "unread_notifications": unread_notification_count(user=user) if user else 0,
        "is_agent": bool(user and user.is_authenticated and user.works_for_authority),
    }
