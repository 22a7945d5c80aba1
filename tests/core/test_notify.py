import pytest
from django.core import mail

from backoffice.core.models import AuditEvent, Notification
from backoffice.core.notifications import Event, notify
from tests.factories import OrganisationFactory, member_of


@pytest.mark.django_db(transaction=True)
def test_notify_writes_notification_email_and_audit_once_per_recipient():
    organisation = OrganisationFactory(name="Les Amis du Blavet")
    user = member_of(organisation)
    notify(Event.ORGANISATION_CREATED, organisation, recipients=[user, user])
    assert Notification.objects.filter(recipient=user).count() == 1
    assert AuditEvent.objects.filter(event="organisation_created").count() == 1
    assert len(mail.outbox) == 1
    assert "Les Amis du Blavet" in mail.outbox[0].subject


@pytest.mark.django_db(transaction=True)
def test_no_email_when_transaction_rolls_back():
    from django.db import transaction

    organisation = OrganisationFactory()
    user = member_of(organisation)
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(Event.ORGANISATION_CREATED, organisation, recipients=[user])
        raise RuntimeError("boom")
    assert not Notification.objects.exists()
    assert mail.outbox == []
