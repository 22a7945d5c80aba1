"""Thin views: check permission, validate a form, call a service, add a message, redirect."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import PasswordResetView, redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from . import home, organisation_page, selectors, services
from .forms import (
    BankDetailsConfirmForm,
    DocumentUploadForm,
    NotificationPreferencesForm,
    OrganisationCreateForm,
    OrganisationForm,
    OrganisationJoinForm,
    ReminderFilterForm,
    ReminderSendNowForm,
    SignupForm,
    add_service_errors,
)
from .models import (
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    OrganisationDocument,
)
from .notifications import notification_mark_read, notification_preference_set
from .permissions import can
from .reminders import all_kinds
from .reminders.services import reminder_send_now
from .versioning import object_version


class PermissionMixin(LoginRequiredMixin):
    """Deny with the French reason from can(); objects out of scope are 404 in selectors."""

    permission_action: str = ""

    def check(self, action: str, obj=None) -> None:
        allowed, reason = can(self.request.user, action, obj)
        if not allowed:
            raise PermissionDenied(reason)


class HomeView(TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(home.context())
        return ctx


class SpaceView(LoginRequiredMixin, View):
    """After login: agents go to their home, applicants to their organisations."""

    def get(self, request):
        if request.user.works_for_authority:
            return redirect("core:agent-home")
        organisations = selectors.user_organisations(user=request.user)
        pending = Membership.objects.filter(user=request.user, status="pending").select_related(
            "organisation")
        return render(request, "core/space.html", {"organisations": organisations,
                                                   "pending": pending})


class AgentHomeView(PermissionMixin, TemplateView):
    template_name = "core/agent_home.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.check("agent.area")
        return super().dispatch(request, *args, **kwargs)


SIGNUP_SESSION_KEY = "signup_email"


def _next_url(request) -> str:
    """The page a person came from (``next``), when it is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


class SignupView(View):
    """Sign-up: the same answer for a new and a known address (an e-mail tells the rest)."""

    template_name = "registration/signup.html"

    def get(self, request):
        if request.user.is_authenticated:
            return redirect(_next_url(request) or "core:space")
        return render(request, self.template_name, {"form": SignupForm(),
                                                    "next": _next_url(request)})

    def post(self, request):
        from .throttle import throttle_hit

        form = SignupForm(request.POST)
        next_url = _next_url(request)
        if form.is_valid():
            data = form.cleaned_data
            if not throttle_hit([f"signup:ip:{request.META.get('REMOTE_ADDR', '')}",
                                 f"signup:email:{data['email'].strip().lower()}"],
                                limit=settings.ACCOUNT_EMAIL_LIMIT, window=3600):
                form.add_error(None, _("Trop de demandes d'inscription : réessayez dans une "
                                       "heure."))
                return render(request, self.template_name, {"form": form, "next": next_url},
                              status=429)
            try:
                services.user_signup(email=data["email"], password=data["password1"],
                                     first_name=data["first_name"], last_name=data["last_name"],
                                     next_url=next_url)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                # Whatever the answer, remember the address: the link logs in only here.
                request.session[SIGNUP_SESSION_KEY] = data["email"].strip().lower()
                return redirect("core:signup-sent")
        return render(request, self.template_name, {"form": form, "next": next_url},
                      status=400)


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset form, at most PASSWORD_RESET_LIMIT requests an hour per client address and
    per e-mail typed (429 beyond): no mailbox flooding, no address probing by volume."""

    def post(self, request, *args, **kwargs):
        from .throttle import throttle_hit

        email = (request.POST.get("email") or "").strip().lower()
        keys = [f"password-reset:ip:{request.META.get('REMOTE_ADDR', '')}"]
        if email:
            keys.append(f"password-reset:email:{email}")
        if not throttle_hit(keys, limit=settings.PASSWORD_RESET_LIMIT,
                            window=settings.PASSWORD_RESET_WINDOW_SECONDS):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, _("Trop de demandes de réinitialisation : réessayez dans une "
                                   "heure, ou contactez la collectivité."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class SignupSentView(TemplateView):
    template_name = "registration/signup_sent.html"


class EmailVerifyView(View):
    """The link of the sign-up e-mail: confirms the address and goes on to ``next``.

    It logs in only in the browser that signed up (or the account already logged in there):
    a link forwarded to someone else confirms the address but never opens the account to them
    (they would otherwise act, and vote, inside an account whose password another person has).
    """

    def get(self, request, token):
        from .accounts import user_verify_email

        try:
            user, verified_now = user_verify_email(token=token)
        except ValidationError as exc:
            return render(request, "registration/email_verify_invalid.html",
                          {"errors": exc.messages}, status=400)
        next_url = _next_url(request)
        here = request.user.is_authenticated and request.user.pk == user.pk
        signed_up_here = request.session.get(SIGNUP_SESSION_KEY) == user.email
        if verified_now and (here or signed_up_here):
            if not here:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session.pop(SIGNUP_SESSION_KEY, None)
            if next_url:
                # Back to where the person was going (the vote, a call…).
                messages.success(request, _("Votre adresse est confirmée et votre compte "
                                            "activé."))
                return redirect(next_url)
            messages.success(request, _("Votre compte est activé. Pour déposer une demande au nom "
                                        "d'une association, créez-la ou rejoignez-la depuis "
                                        "votre espace."))
            return redirect("core:space")
        if here:
            messages.info(request, _("Votre adresse est déjà confirmée."))
            return redirect(next_url or "core:space")
        messages.info(request, _("Votre adresse est confirmée : connectez-vous.") if verified_now
                      else _("Votre adresse est déjà confirmée : connectez-vous."))
        return redirect_to_login(next_url) if next_url else redirect(settings.LOGIN_URL)


class EmailVerifyResendView(LoginRequiredMixin, View):
    """A new verification link for the logged-in account (the first one may have expired)."""

    def post(self, request):
        from .accounts import user_send_verification
        from .throttle import throttle_hit

        if not throttle_hit([f"verify-resend:user:{request.user.pk}"],
                            limit=settings.ACCOUNT_EMAIL_LIMIT, window=3600):
            messages.error(request, _("Trop de liens demandés : réessayez dans une heure."))
            return redirect(_next_url(request) or "core:space")
        with transaction.atomic():
            sent = user_send_verification(user=request.user, next_url=_next_url(request))
        if sent:
            messages.success(request, _("Un nouveau lien de confirmation vous a été envoyé à "
                                        "%(email)s.") % {"email": request.user.email})
        else:
            messages.info(request, _("Votre adresse est déjà confirmée."))
        return redirect(_next_url(request) or "core:space")


class OrganisationCreateView(LoginRequiredMixin, View):
    template_name = "core/organisation_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OrganisationCreateForm(),
                                                    "creating": True})

    def post(self, request):
        form = OrganisationCreateForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "accept_cer"}
            try:
                organisation = services.organisation_create(
                    user=request.user, accept_cer=form.cleaned_data["accept_cer"], **data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("L'organisation « %(name)s » est créée.")
                                 % {"name": organisation.name})
                return redirect("core:organisation-detail", pk=organisation.pk)
        return render(request, self.template_name, {"form": form, "creating": True}, status=400)


class OrganisationJoinView(LoginRequiredMixin, View):
    template_name = "core/organisation_join.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OrganisationJoinForm()})

    def post(self, request):
        form = OrganisationJoinForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                membership = services.membership_request(
                    user=request.user, organisation=form.organisation,
                    proof_file=form.cleaned_data["proof_file"],
                    proof_kind=form.cleaned_data["proof_kind"])
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                if membership.is_claim:
                    messages.success(request, _("Votre demande et votre justificatif sont "
                                                "transmis aux agents de la collectivité, qui "
                                                "vérifieront que vous représentez « %(name)s »."
                                                ) % {"name": form.organisation.name})
                else:
                    messages.success(request, _("Votre demande a été transmise aux "
                                                "administrateurs de « %(name)s ».")
                                     % {"name": form.organisation.name})
                return redirect("core:space")
        return render(request, self.template_name, {"form": form}, status=400)


def _organisation_or_404(request, pk) -> Organisation:
    try:
        return selectors.organisation_detail(user=request.user, pk=pk)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("Organisation introuvable.")) from exc


class OrganisationListView(PermissionMixin, View):
    def get(self, request):
        self.check("agent.area")
        organisations = selectors.organisation_list(user=request.user)
        query = request.GET.get("q", "").strip()
        if query:
            from django.db.models import Q

            organisations = organisations.filter(
                Q(name__icontains=query) | Q(siret__startswith=query) | Q(rna__iexact=query))
        return render(request, "core/organisation_list.html",
                      {"organisations": organisations[:200], "q": query})


def _detail_context(request, organisation, **extra) -> dict:
    can_edit, _reason = can(request.user, "organisation.edit", organisation)
    can_confirm = can(request.user, "organisation.confirm_bank_details", organisation)[0]
    memberships = list(organisation.memberships.all())
    for membership in memberships:
        membership.can_decide = (membership.status == "pending"
                                 and can(request.user, "membership.approve", membership)[0])
    return {
        "organisation": organisation,
        "memberships": memberships,
        "documents": organisation.documents.all(),
        "can_edit": can_edit,
        "upload_form": DocumentUploadForm(),
        "bank_form": (BankDetailsConfirmForm(organisation=organisation)
                      if can_confirm and organisation.bank_details_on_hold else None),
        "today": timezone.localdate(),
        "history": organisation.history.select_related("history_user")[:20],
        "organisation_sections": organisation_page.sections(organisation=organisation,
                                                            user=request.user),
        **extra,
    }


class OrganisationDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        return render(request, "core/organisation_detail.html",
                      _detail_context(request, organisation))


class BankDetailsConfirmView(PermissionMixin, View):
    """A finance agent confirms a changed IBAN against a RIB: payments are exported again."""

    def post(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        self.check("organisation.confirm_bank_details", organisation)
        form = BankDetailsConfirmForm(request.POST, organisation=organisation)
        if form.is_valid():
            try:
                services.organisation_bank_details_confirm(
                    organisation=organisation, actor=request.user,
                    document=form.cleaned_data["document"])
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Les coordonnées bancaires sont vérifiées : les "
                                            "versements de l'organisation reprennent."))
                return redirect("core:organisation-detail", pk=pk)
        return render(request, "core/organisation_detail.html",
                      _detail_context(request, organisation, bank_form=form), status=400)


@method_decorator(never_cache, name="dispatch")
class OrganisationUpdateView(PermissionMixin, View):
    template_name = "core/organisation_form.html"

    def get(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        self.check("organisation.edit", organisation)
        return render(request, self.template_name, {"form": OrganisationForm(instance=organisation),
                                                    "organisation": organisation,
                                                    "version": object_version(organisation)})

    def post(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        self.check("organisation.edit", organisation)
        form = OrganisationForm(request.POST, instance=Organisation.objects.get(pk=pk))
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                services.organisation_update(organisation=organisation, user=request.user,
                                             version=request.POST.get("version"), **fields)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Le profil de l'organisation est enregistré."))
                return redirect("core:organisation-detail", pk=pk)
        return render(request, self.template_name, {"form": form, "organisation": organisation,
                                                    "version": object_version(organisation)},
                      status=400)


class MembershipActionView(PermissionMixin, View):
    """Approve, refuse or remove a membership: the service decides, the page says so."""

    service_name = ""

    def success_message(self, membership) -> str:
        raise NotImplementedError

    def post(self, request, pk, membership_pk):
        organisation = _organisation_or_404(request, pk)
        membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
        try:
            getattr(services, self.service_name)(membership=membership, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, self.success_message(membership))
        return redirect("core:organisation-detail", pk=pk)


class MembershipApproveView(MembershipActionView):
    service_name = "membership_approve"

    def success_message(self, membership) -> str:
        return _("%(user)s est maintenant membre.") % {"user": membership.user}


class MembershipRefuseView(MembershipActionView):
    service_name = "membership_refuse"

    def success_message(self, membership) -> str:
        return _("La demande de %(user)s est refusée.") % {"user": membership.user}


class MembershipRemoveView(MembershipActionView):
    service_name = "membership_remove"

    def success_message(self, membership) -> str:
        return _("Le membre a été retiré.")


class DocumentUploadView(PermissionMixin, View):
    def post(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        self.check("document.upload", organisation)
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.document_upload(organisation=organisation, user=request.user,
                                         **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Le document est enregistré ; il sera réutilisé "
                                            "pour vos prochaines demandes."))
                return redirect("core:organisation-detail", pk=pk)
        return render(request, "core/organisation_detail.html",
                      _detail_context(request, organisation, upload_form=form), status=400)


class DocumentDownloadView(LoginRequiredMixin, View):
    """Documents are never served as static media: every download is permission-checked."""

    def get(self, request, pk):
        try:
            document = selectors.document_detail(user=request.user, pk=pk)
        except OrganisationDocument.DoesNotExist as exc:
            raise Http404(_("Document introuvable.")) from exc
        return FileResponse(document.file.open("rb"), content_type=document.content_type,
                            as_attachment=False, filename=document.original_name)


class NotificationListView(LoginRequiredMixin, View):
    """The notification centre: unread first-class, filters by state and by kind."""

    def get(self, request):
        from .notifications import topic_choices

        state = request.GET.get("etat", "")
        state = {"non-lues": "unread", "lues": "read"}.get(state, "")
        topic = request.GET.get("sujet", "")
        labels = {code: label for code, label, _mandatory in topic_choices()}
        if topic not in labels:
            topic = ""
        notifications = selectors.notification_list(user=request.user, state=state,
                                                    topic=topic)[:100]
        return render(request, "core/notifications.html", {
            "notifications": notifications, "topics": sorted(labels.items(), key=lambda t: t[1]),
            "topic": topic, "state": request.GET.get("etat", ""),
        })

    def post(self, request):
        notification_mark_read(user=request.user)
        messages.success(request, _("Toutes les notifications sont marquées comme lues."))
        return redirect("core:notifications")


class NotificationReadView(LoginRequiredMixin, View):
    """Mark one of one's own notifications read (htmx swaps the item in place)."""

    def post(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        notification_mark_read(user=request.user, notification_id=notification.pk)
        if request.htmx:
            notification.refresh_from_db()
            return render(request, "core/_notification.html", {"n": notification})
        next_url = request.POST.get("next", "")
        if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            return redirect(next_url)
        return redirect("core:notifications")


class NotificationPreferencesView(LoginRequiredMixin, View):
    template_name = "core/notification_preferences.html"

    def _form(self, request, data=None):
        from .notifications import topic_choices

        current = dict(NotificationPreference.objects.filter(user=request.user)
                       .values_list("topic", "delivery"))
        return NotificationPreferencesForm(data, topics=topic_choices(), current=current)

    def get(self, request):
        return render(request, self.template_name, {"form": self._form(request)})

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    for code, delivery in form.cleaned_data.items():
                        notification_preference_set(user=request.user, topic=code,
                                                    delivery=delivery)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Vos préférences de notification sont enregistrées."))
                return redirect("core:notification-preferences")
        return render(request, self.template_name, {"form": form}, status=400)


class ReminderListView(PermissionMixin, View):
    """Agents: reminders sent and upcoming, with filters, and e-mails that failed for good."""

    def get(self, request):
        self.check("reminder.view")
        form = ReminderFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        reminders = selectors.reminder_list(
            user=request.user, kind=filters.get("kind", ""),
            organisation=filters.get("organisation"), date_from=filters.get("date_from"),
            date_to=filters.get("date_to"), status=filters.get("status", ""))
        page = Paginator(reminders, 50).get_page(request.GET.get("page"))
        today = timezone.localdate()
        upcoming_end = today + timedelta(days=settings.REMINDERS_UPCOMING_DAYS)
        upcoming = selectors.reminder_upcoming(
            user=request.user, start=today + timedelta(days=1), end=upcoming_end,
            kind=filters.get("kind", ""), organisation=filters.get("organisation"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "core/reminder_list.html", {
            "form": form, "page": page, "upcoming": upcoming, "upcoming_end": upcoming_end,
            "failures": selectors.email_failures(user=request.user),
            "can_send": can(request.user, "reminder.send_now")[0],
            "query": query.urlencode(), "kinds": {k.code: k.label for k in all_kinds()},
        }, status=200 if form.is_valid() or not request.GET else 400)


class ReminderSendNowView(PermissionMixin, View):
    """Send one upcoming reminder now; the same unique key keeps it to exactly once."""

    def post(self, request):
        self.check("reminder.send_now")
        form = ReminderSendNowForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Demande d'envoi invalide."))
            return redirect("core:reminder-list")
        data = form.cleaned_data
        try:
            reminder, created = reminder_send_now(
                kind_code=data["kind"], target_type_id=data["target_type"],
                target_id=data["target_id"], due_date=data["due_date"], step=data["step"],
                actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if created:
                messages.success(request, _("Le rappel « %(reminder)s » est envoyé.")
                                 % {"reminder": reminder.target_repr})
            else:
                messages.info(request, _("Ce rappel a déjà été envoyé le %(date)s : il n'est pas "
                                         "renvoyé.") % {"date": reminder.created_at.strftime(
                                             "%d/%m/%Y")})
        return redirect("core:reminder-list")
