"""Template context for the admin-centre shell: navigation, tenant and signed-in admin."""
from .navigation import navigation_for


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.tenant_id is None or not user.roles:
        return {}
    return {"nav_items": navigation_for(user, request.path), "shell_tenant": request.tenant}
