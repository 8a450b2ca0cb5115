"""Delete user (from Active users) and Users > Deleted users with Restore: User admins and Global admins only;
a privileged admin is deleted or restored only by a Global admin (accounts.services.require_may_manage)."""
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.models import User
from accounts.permissions import admin_required
from accounts.roles import Cap

from .. import services
from ..models import Product
from ..selectors import license_names_by_user
from .common import error_messages, panel_or_page, redirect_after_save
from .users import USERS_CHANGED, list_context

PAGE_SIZE = 100


def _active_user(request, user_id):
    return get_object_or_404(User.objects.select_related("tenant"), pk=user_id, tenant=request.tenant,
                             deleted_at__isnull=True)


@admin_required(Cap.USERS_MANAGE)
def user_delete(request, user_id):
    """Delete user: a panel that says what happens, then the deletion; the list behind it reloads."""
    user = _active_user(request, user_id)
    context = {"person": user, "license_names": license_names_by_user(user_ids=[user.pk]).get(user.pk, []),
               "retention_days": services.retention().days, "errors": []}
    status = 200
    if request.method == "POST":
        try:
            services.user_delete(user=user, actor=request.user)
        except PermissionDenied as exc:
            context["errors"], status = [str(exc)], 403
        except ValidationError as exc:
            context["errors"], status = error_messages(exc), 400
        else:
            message = (f"{user.display_name} was deleted. You can restore them from Deleted users within "
                       f"{services.retention().days} days.")
            if not request.htmx:
                messages.success(request, message)
                return redirect("licensing:active_users")
            context["done"] = message
    response = panel_or_page(request, "licensing/partials/delete_user_panel.html", context, list_context=list_context,
                             close_url=reverse("licensing:active_users"), status=status)
    if context.get("done"):
        response["HX-Trigger"] = USERS_CHANGED
    return response


def deleted_list_context(request):
    page = Paginator(services.deleted_users(tenant=request.tenant), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    wanted = {pid for user in rows for pid in (user.deleted_licenses or {})}
    names = dict(Product.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}
    return {
        "page": page,
        "rows": [{"person": user, "restorable_until": services.restorable_until(user),
                  "licenses": sorted(names.get(_uuid(pid), "") for pid in user.deleted_licenses or {})}
                 for user in rows],
        "retention_days": services.retention().days,
    }


def _uuid(value):
    return uuid.UUID(str(value))


@admin_required(Cap.USERS_MANAGE)
def deleted_users_page(request):
    return render(request, "licensing/deleted_users.html", deleted_list_context(request))


@admin_required(Cap.USERS_MANAGE)
def user_restore(request, user_id):
    """Restore: a panel that asks, then restores the user with the licenses they held when enough are left."""
    user = get_object_or_404(services.deleted_users(tenant=request.tenant), pk=user_id)
    context = {"person": user, "errors": []}
    status = 200
    if request.method == "POST":
        try:
            result = services.user_restore(user=user, actor=request.user)
        except PermissionDenied as exc:
            context["errors"], status = [str(exc)], 403
        except ValidationError as exc:
            context["errors"], status = error_messages(exc), 400
        else:
            message = f"{user.display_name} was restored and can sign in again."
            if not result.licenses_restored:
                message += f" Their licenses couldn't be assigned again: {result.problem}"
            messages.success(request, message)
            return redirect_after_save(request, reverse("licensing:deleted_users"))
    return panel_or_page(request, "licensing/partials/restore_user_panel.html", context,
                         list_context=deleted_list_context, close_url=reverse("licensing:deleted_users"),
                         page_template="licensing/deleted_users.html", status=status)
