"""Active users' "Choose columns": the columns an admin may show, and the cells of a row for them."""
from core.dates import date_text
from core.validation import country_name

# key -> heading, in the admin centre's order; Display name is always shown, first.
USER_COLUMNS = {
    "upn": "Username",
    "licenses": "Licenses",
    "department": "Department",
    "job_title": "Job title",
    "office_location": "Office location",
    "usage_location": "Usage location",
    "phone_number": "Phone number",
    "sign_in": "Sign-in status",
    "created": "Created",
}
DEFAULT_USER_COLUMNS = ("upn", "licenses")


def columns_for(admin) -> list[str]:
    """The columns `admin` chose, in the admin centre's order; the defaults when they chose none."""
    chosen = set(getattr(admin, "user_list_columns", None) or ())
    keys = [key for key in USER_COLUMNS if key in chosen]
    return keys or list(DEFAULT_USER_COLUMNS)


def columns_save(*, admin, keys) -> list[str]:
    """Remembers the admin's choice (unknown keys dropped; none chosen: the defaults)."""
    chosen = [key for key in USER_COLUMNS if key in set(keys)]
    admin.user_list_columns = chosen if chosen != list(DEFAULT_USER_COLUMNS) else []
    admin.save(update_fields=["user_list_columns"])
    return chosen or list(DEFAULT_USER_COLUMNS)


def cells(user, license_names, keys) -> list[dict]:
    """[{key, text, muted}] of one row for the chosen columns."""
    row = []
    for key in keys:
        muted = False
        if key == "licenses":
            text = ", ".join(license_names) if license_names else "Unlicensed"
            muted = not license_names
        elif key == "sign_in":
            text = "Sign-in allowed" if user.sign_in_allowed else "Sign-in blocked"
        elif key == "created":
            text = date_text(user.created_at)
        elif key == "usage_location":
            text = country_name(user.usage_location) if user.usage_location else ""
        else:
            text = getattr(user, key) or ""
        row.append({"key": key, "text": text or "—", "muted": muted or not text})
    return row
