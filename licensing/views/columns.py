"""Active users' "Choose columns": a panel of checkboxes; the choice is remembered for this admin."""
from django.urls import reverse

from accounts.permissions import admin_required
from accounts.roles import Cap

from ..user_columns import USER_COLUMNS, columns_for, columns_save
from .common import panel_or_page, redirect_after_save
from .users import list_context


@admin_required(Cap.USERS_READ)
def choose_columns(request):
    if request.method == "POST":
        columns_save(admin=request.user, keys=request.POST.getlist("column"))
        return redirect_after_save(request, reverse("licensing:active_users"))
    chosen = set(columns_for(request.user))
    context = {"choices": [{"key": key, "label": label, "checked": key in chosen} for key, label in USER_COLUMNS.items()]}
    return panel_or_page(request, "licensing/partials/choose_columns_panel.html", context, list_context=list_context,
                         close_url=reverse("licensing:active_users"))
