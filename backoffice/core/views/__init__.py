"""Thin views: check permission, validate a form, call a service, add a message, redirect.

One module per area: ``spaces`` (home pages), ``accounts`` (sign-up and confirmation),
``organisations`` (profile, members, documents), ``notifications``, ``reminders``.
"""

from .accounts import (
    SIGNUP_SESSION_KEY,
    EmailVerifyResendView,
    EmailVerifyView,
    SignupSentView,
    SignupView,
    ThrottledPasswordResetView,
)
from .mixins import PermissionMixin
from .notifications import NotificationListView, NotificationPreferencesView, NotificationReadView
from .organisations import (
    BankDetailsConfirmView,
    DocumentDownloadView,
    DocumentUploadView,
    MembershipActionView,
    MembershipApproveView,
    MembershipRefuseView,
    MembershipRemoveView,
    OrganisationCreateView,
    OrganisationDetailView,
    OrganisationJoinView,
    OrganisationListView,
    OrganisationUpdateView,
)
from .reminders import ReminderListView, ReminderSendNowView
from .spaces import AgentHomeView, HomeView, SpaceView

__all__ = [
    "SIGNUP_SESSION_KEY", "AgentHomeView", "BankDetailsConfirmView", "DocumentDownloadView",
    "DocumentUploadView", "EmailVerifyResendView", "EmailVerifyView", "HomeView",
    "MembershipActionView", "MembershipApproveView", "MembershipRefuseView",
    "MembershipRemoveView", "NotificationListView", "NotificationPreferencesView",
    "NotificationReadView", "OrganisationCreateView", "OrganisationDetailView",
    "OrganisationJoinView", "OrganisationListView", "OrganisationUpdateView", "PermissionMixin",
    "ReminderListView", "ReminderSendNowView", "SignupSentView", "SignupView", "SpaceView",
    "ThrottledPasswordResetView",
]
