"""Role checks for pages (decorator) and API endpoints (DRF permission): every door uses these."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from rest_framework.permissions import BasePermission

from .roles import Cap, roles_allow


def admin_required(cap=None):
    """Page decorator: signed in, a tenant admin, and (when given) holding capability `cap`."""
    if cap is not None:
        roles_allow((), cap)  # fail at import time on a misspelt capability

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.tenant_id is None:
                if user.is_staff:
                    return redirect("admin:index")
                raise PermissionDenied("This account does not belong to an organization.")
            if not user.roles:
                return render(request, "accounts/no_role.html", status=403)
            if cap is not None and not user.can(cap):
                raise PermissionDenied("Your admin role does not include this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class HasCapability(BasePermission):
    """API permission: `permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]`."""

    capability = None
    message = "Your admin role does not allow this operation."

    @classmethod
    def for_(cls, capability):
        roles_allow((), capability)
        return type(f"Has_{capability.replace('.', '_')}", (cls,), {"capability": capability})

    def has_permission(self, request, view):
        user = request.user
        if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "tenant_id", None) is None:
            return False
        return self.capability is None or roles_allow(user.roles, self.capability)


__all__ = ["Cap", "HasCapability", "admin_required"]
