"""Pages of the shell: sign-in/out, Home, Org settings (API tokens) and the audit log."""
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.plugins import card_providers
from core.validation import country_name

from . import services
from .forms import ApiTokenForm, SignInForm
from .models import ApiToken, AuditLog
from .permissions import admin_required
from .roles import Cap


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@admin_required()
def home(request):
    cards: list = []
    for provider in card_providers():
        cards.extend(card for card in provider(request) if card)
    return render(request, "accounts/home.html", {"cards": cards})


@admin_required(Cap.SETTINGS_MANAGE)
def org_settings(request):
    tenant = request.tenant
    new_token = None
    form = ApiTokenForm()
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, new_token = services.api_token_create(tenant=tenant, name=form.cleaned_data["name"],
                                                             actor=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Token '{token.name}' created. Copy it now: it won't be shown again.")
                form = ApiTokenForm()
    tokens = ApiToken.objects.filter(tenant=tenant).select_related("created_by")
    return render(request, "accounts/settings.html", {
        "tenant": tenant,
        "country_name": country_name(tenant.country),
        "billing_country_name": country_name(tenant.billing_country),
        "tokens": tokens,
        "form": form,
        "new_token": new_token,
    })


@admin_required(Cap.SETTINGS_MANAGE)
@require_POST
def api_token_revoke(request, token_id):
    token = get_object_or_404(ApiToken, pk=token_id, tenant=request.tenant)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token '{token.name}' revoked. Calls that use it now get 401.")
    return redirect("accounts:settings")


@admin_required(Cap.SETTINGS_MANAGE)
def audit_log(request):
    entries = AuditLog.objects.filter(tenant=request.tenant)
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page": page, "action": action})
