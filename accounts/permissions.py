"""Role checks for pages (decorator) and API endpoints (DRF permission): every door uses these."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from rest_framework.permissions import BasePermission

from .roles import Cap, roles_allow
from .scopes import required_scope


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
        if not self.scope_allows(request, view):
            return False
        return self.capability is None or roles_allow(user.roles, self.capability)

    def scope_allows(self, request, view):
        """An API token needs the scope the view declares for the method (none declared: refused)."""
        scopes = getattr(request.user, "scopes", None)
        if scopes is None:  # a person signed in: roles decide
            return True
        needed = required_scope(view, request.method)
        if needed in scopes:
            return True
        self.message = (f"The API token does not have the '{needed}' scope this operation needs." if needed
                        else "This operation cannot be called with an API token.")
        return False


__all__ = ["Cap", "HasCapability", "admin_required"]
