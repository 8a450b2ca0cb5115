"""Template context for the admin-centre shell: navigation, tenant and signed-in admin."""
from .navigation import breadcrumb_for, navigation_for


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.tenant_id is None or not user.roles:
        return {}
    items = navigation_for(user, request.path)
    return {"nav_items": items, "breadcrumb_trail": breadcrumb_for(items), "shell_tenant": request.tenant}
