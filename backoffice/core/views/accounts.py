"""Sign-up, e-mail confirmation and password reset: throttled, and the same answer for a
new and a known address."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import PasswordResetView, redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from .. import services
from ..forms import SignupForm, add_service_errors

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
        from ..throttle import throttle_hit

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
        from ..throttle import throttle_hit

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
        from ..accounts import user_verify_email

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
        from ..accounts import user_send_verification
        from ..throttle import throttle_hit

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
