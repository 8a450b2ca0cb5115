"""Row locks of the notifications app (one place, one order): the tenant's settings row guards its recipient list."""
from typing import TYPE_CHECKING

from .models import NotificationSettings

if TYPE_CHECKING:
    from accounts.models import Tenant


def notification_settings_for_update(*, tenant: "Tenant") -> NotificationSettings:
    """Creates the tenant's settings row if needed, then locks it for the rest of the transaction."""
    NotificationSettings.objects.get_or_create(tenant=tenant)
    return NotificationSettings.objects.select_for_update().get(tenant=tenant)
