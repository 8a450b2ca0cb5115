"""Active users' list additions kept apart from the list view: the chosen columns' cells, selection across pages
("Select all N users") for the bulk actions, and the words of the Replace / Unassign all confirmation."""
from ..selectors import USER_SORTS, USER_VIEWS, active_users, license_names_by_user
from ..user_columns import USER_COLUMNS, cells, columns_for

FILTER_KEYS = ("q", "view", "product", "sort")


def list_extras(request, *, rows, names, page):
    """What the users table adds to Active users' context: the chosen columns, each row's cells, and how many users
    "Select all" would take (every page of the current search and filter)."""
    keys = columns_for(request.user)
    return {
        "columns": [{"key": key, "label": USER_COLUMNS[key]} for key in keys],
        "rows": [(user, names.get(user.pk, []), cells(user, names.get(user.pk, []), keys)) for user in rows],
        "total_users": page.paginator.count,
        "more_pages": page.paginator.num_pages > 1,
        "selection_filters": [(key, request.GET[key]) for key in FILTER_KEYS if request.GET.get(key)],
    }


def users_matching_filters(request, params):
    """Every user of the list as searched and filtered when the selection is "all N users" (`all=1`)."""
    view = params.get("view", "all") if params.get("view") in USER_VIEWS else "all"
    sort = params.get("sort", "display_name") if params.get("sort") in USER_SORTS else "display_name"
    return list(active_users(tenant=request.tenant, search=params.get("q", "").strip(),
                             product=params.get("product", ""), view=view, sort=sort))


def confirmation_text(*, mode, users, products):
    """What Replace or Unassign all is about to do, naming how many users and which licenses."""
    count = len(users)
    who = f"{count:,} selected user{'s' if count != 1 else ''}"
    held = sorted({name for names in license_names_by_user(user_ids=[u.pk for u in users]).values() for name in names})
    held_text = ", ".join(held) if held else "no licenses"
    if mode == "remove_all":
        return (f"Unassign all removes every license from the {who}: {held_text}. They lose the apps, calling and "
                f"minutes those licenses give, at once.")
    chosen = ", ".join(p.name for p in products) or "no licenses"
    return (f"Replace removes the licenses the {who} hold now ({held_text}) and assigns only {chosen}. Apps and "
            f"calling minutes from the removed licenses stop at once.")


def selection_carried(request):
    """For the Manage product licenses panel: an "all N users" selection travels as `all=1` and the filters."""
    params = request.POST if request.method == "POST" else request.GET
    if params.get("all") != "1":
        return {"select_all": False}
    return {"select_all": True, "selection_filters": [(key, params[key]) for key in FILTER_KEYS if params.get(key)]}
