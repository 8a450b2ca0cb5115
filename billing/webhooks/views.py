"""Org settings > Webhooks: endpoints (add, enable or disable, rotate the secret, delete) and the delivery log."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required
from accounts.roles import Cap

from . import selectors, services
from .forms import EndpointForm
from .models import WebhookDelivery

LOG_PAGE_SIZE = 50


def _endpoint_or_404(request, endpoint_id):
    endpoint = selectors.endpoint_for(tenant=request.tenant, endpoint_id=endpoint_id)
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def _page(request, *, form=None, new_secret=None, status=200):
    return render(request, "webhooks/endpoints.html", {
        "endpoints": list(selectors.endpoints_for(tenant=request.tenant)),
        "form": form or EndpointForm(),
        "new_secret": new_secret,
        "max_endpoints": services.MAX_ENDPOINTS,
    }, status=status)


@admin_required(Cap.BILLING_MANAGE)
def endpoints(request):
    if request.method != "POST":
        return _page(request)
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        endpoint = services.webhook_endpoint_create(tenant=request.tenant, url=form.cleaned_data["url"],
                                                    events=form.cleaned_data["events"],
                                                    description=form.cleaned_data["description"], actor=request.user)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, form=form, status=400)
    messages.success(request, f"Endpoint {endpoint.url} added. Copy its signing secret now: it won't be shown again.")
    return _page(request, new_secret=(endpoint, endpoint.secret))


@admin_required(Cap.BILLING_MANAGE)
@require_POST
def endpoint_rotate(request, endpoint_id):
    endpoint = services.webhook_secret_rotate(tenant=request.tenant, endpoint=_endpoint_or_404(request, endpoint_id),
                                              actor=request.user)
    messages.success(request, f"New signing secret for {endpoint.url}. The old one keeps signing until "
                              f"{endpoint.previous_secret_expires_at:%Y-%m-%d %H:%M} UTC.")
    return _page(request, new_secret=(endpoint, endpoint.secret))


@admin_required(Cap.BILLING_MANAGE)
@require_POST
def endpoint_toggle(request, endpoint_id):
    endpoint = _endpoint_or_404(request, endpoint_id)
    endpoint = services.webhook_endpoint_update(tenant=request.tenant, endpoint=endpoint, actor=request.user,
                                                enabled=not endpoint.enabled)
    messages.success(request, f"{endpoint.url} {'enabled' if endpoint.enabled else 'disabled'}.")
    return redirect("webhooks:endpoints")


@admin_required(Cap.BILLING_MANAGE)
@require_POST
def endpoint_delete(request, endpoint_id):
    endpoint = _endpoint_or_404(request, endpoint_id)
    services.webhook_endpoint_delete(tenant=request.tenant, endpoint=endpoint, actor=request.user)
    messages.success(request, f"{endpoint.url} deleted.")
    return redirect("webhooks:endpoints")


@admin_required(Cap.BILLING_MANAGE)
def delivery_log(request):
    endpoint = None
    if request.GET.get("endpoint"):
        endpoint = _endpoint_or_404(request, request.GET["endpoint"])
    status = request.GET.get("status", "")
    if status not in WebhookDelivery.Status.values:
        status = ""
    rows = selectors.deliveries_for(tenant=request.tenant, endpoint=endpoint, status=status)
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "webhooks/deliveries.html", {
        "page": page, "endpoint": endpoint, "status": status, "statuses": WebhookDelivery.Status.choices,
        "endpoints": list(selectors.endpoints_for(tenant=request.tenant)),
    })


@admin_required(Cap.BILLING_MANAGE)
@require_POST
def delivery_replay(request, delivery_id):
    delivery = selectors.delivery_for(tenant=request.tenant, delivery_id=delivery_id)
    if delivery is None:
        raise Http404("No such delivery.")
    try:
        attempt = services.webhook_delivery_replay(tenant=request.tenant, delivery=delivery, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if attempt is not None and attempt.succeeded:
            messages.success(request, f"Event {delivery.event_id} sent again: HTTP {attempt.status_code}.")
        else:
            messages.error(request, f"Event {delivery.event_id} sent again and failed: "
                                    f"{attempt.error if attempt else 'it is being sent already'}. It will be retried.")
    return redirect("webhooks:deliveries")
