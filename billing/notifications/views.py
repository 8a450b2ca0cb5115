"""Billing notifications pages: recipients, which emails are sent, language and PDF settings, the email log."""
import uuid

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required
from accounts.roles import Cap

from . import services
from .forms import EditSettingsForm, EmailLogFilterForm, PreferencesForm, RecipientForm
from .models import MAX_EXTRA_RECIPIENTS, EmailLog, ExtraRecipient
from .selectors import billing_admins, email_log_for, extra_recipients, notification_settings_for

LOG_PAGE_SIZE = 50


def _add_errors(form, exc):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _settings_page(request, *, recipient_form=None, preferences_form=None, edit_form=None, status=200):
    tenant = request.tenant
    preferences = notification_settings_for(tenant=tenant)
    extras = list(extra_recipients(tenant=tenant))
    if edit_form is None and request.GET.get("panel") == "edit":
        edit_form = EditSettingsForm(initial={"preferred_language": preferences.preferred_language,
                                              "attach_invoice_pdf": preferences.attach_invoice_pdf})
    return render(request, "notifications/settings.html", {
        "preferences": preferences,
        "admins": billing_admins(tenant=tenant),
        "extras": extras,
        "max_extras": MAX_EXTRA_RECIPIENTS,
        "recipient_form": recipient_form or RecipientForm(),
        "preferences_form": preferences_form or PreferencesForm(settings=preferences),
        "edit_form": edit_form,
        "test_request_id": uuid.uuid4(),
    }, status=status)


@admin_required(Cap.NOTIFICATIONS_MANAGE)
def notification_settings(request):
    return _settings_page(request)


@admin_required(Cap.NOTIFICATIONS_MANAGE)
@require_POST
def recipient_add(request):
    form = RecipientForm(request.POST)
    if form.is_valid():
        try:
            recipient = services.recipient_add(tenant=request.tenant, email=form.cleaned_data["email"], actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{recipient.email} now receives billing notifications.")
            return redirect("notifications:settings")
    return _settings_page(request, recipient_form=form, status=400)


@admin_required(Cap.NOTIFICATIONS_MANAGE)
@require_POST
def recipient_remove(request, recipient_id):
    recipient = get_object_or_404(ExtraRecipient, pk=recipient_id, tenant=request.tenant)
    services.recipient_remove(tenant=request.tenant, recipient=recipient, actor=request.user)
    messages.success(request, f"{recipient.email} no longer receives billing notifications.")
    return redirect("notifications:settings")


@admin_required(Cap.NOTIFICATIONS_MANAGE)
@require_POST
def preferences_save(request):
    form = PreferencesForm(request.POST)
    if form.is_valid():
        try:
            services.notification_settings_update(tenant=request.tenant, actor=request.user,
                                                  enabled_events=form.enabled_events(), low_balance_levels=form.levels())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your billing notification choices were saved.")
            return redirect("notifications:settings")
    return _settings_page(request, preferences_form=form, status=400)


@admin_required(Cap.NOTIFICATIONS_MANAGE)
@require_POST
def settings_edit(request):
    form = EditSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.notification_settings_update(tenant=request.tenant, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Notification settings updated.")
            return redirect("notifications:settings")
    return _settings_page(request, edit_form=form, status=400)


@admin_required(Cap.NOTIFICATIONS_MANAGE)
@require_POST
def test_email_send(request):
    try:
        result = services.notification_send_test_email(tenant=request.tenant, actor=request.user,
                                                       request_id=request.POST.get("request_id", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("notifications:settings")
    # The admin pressing the button is a Global or Billing admin who can sign in, so there is always a recipient.
    if result.outcome == services.SendOutcome.RENDER_FAILED:
        messages.error(request, format_html(
            '<span>The test email could not be rendered. <a href="{}">See the email log</a>.</span>',
            reverse("notifications:email_log") + "?event=test"))
    else:
        count = len(result)
        messages.success(request, format_html(
            '<span>Test email sent to {} recipient{}. <a href="{}">View it in the email log</a>.</span>',
            count, "" if count == 1 else "s", reverse("notifications:email_log") + "?event=test"))
    return redirect("notifications:settings")


@admin_required(Cap.NOTIFICATIONS_MANAGE)
def email_log(request):
    form = EmailLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    emails = email_log_for(tenant=request.tenant, event=filters.get("event", ""), status=filters.get("status", ""))
    page = Paginator(emails, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/email_log.html", {"page": page, "filter_form": form})


@admin_required(Cap.NOTIFICATIONS_MANAGE)
def email_detail(request, email_id):
    email = get_object_or_404(EmailLog.objects.select_related("notification"), pk=email_id, tenant=request.tenant)
    view = "text" if request.GET.get("view") == "text" else "html"
    return render(request, "notifications/email_detail.html", {
        "email": email, "view": view, "from_email": django_settings.DEFAULT_FROM_EMAIL,
    })
