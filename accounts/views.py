"""Pages of the shell: sign-in/out, Home, Org settings (API tokens) and the audit log."""
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.plugins import card_providers
from core.validation import country_name

from . import services
from .audit_words import ACTIVITIES, action_text, changes_of, product_names_for
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
                token, new_token = services.api_token_create(
                    tenant=tenant, name=form.cleaned_data["name"], actor=request.user,
                    scopes=form.cleaned_data["scopes"], expires_at=form.expires_at(timezone.now()))
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
    """The audit log in words, newest first; filtered by an activity (a family of actions) and by who or what."""
    entries = AuditLog.objects.filter(tenant=request.tenant)
    activity = request.GET.get("activity", "").strip()
    search = request.GET.get("q", "").strip()[:100]
    errors = {}
    if activity and activity not in ACTIVITIES:
        errors["activity"] = "Choose an activity from the list."
    elif activity:
        entries = entries.filter(action__startswith=activity)
    if search:
        entries = entries.filter(Q(actor_label__icontains=search) | Q(target_label__icontains=search))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    names = product_names_for(rows)
    lines = [(entry, action_text(entry.action), changes_of(entry, names)) for entry in rows]
    return render(request, "accounts/audit_log.html", {
        "page": page, "lines": lines, "activity": activity, "search": search, "errors": errors,
        "activities": sorted(ACTIVITIES.items(), key=lambda item: item[1])
    }, status=400 if errors else 200)
