"""The optimizer's reads shared by its page, CSV and API: the report for a window, and one person's what-if."""
from datetime import date
from typing import TYPE_CHECKING

from .inputs import optimizer_inputs
from .report import Report, WhatIf
from .search import optimize, what_if

if TYPE_CHECKING:
    from accounts.models import Tenant, User


def license_optimizer_report(*, tenant: "Tenant", days: int, today: date) -> Report:
    """The cheapest license mix for the tenant's calls of the `days` whole days before `today` (report.Report)."""
    return optimize(optimizer_inputs(tenant=tenant, days=days, today=today))


def license_what_if(*, tenant: "Tenant", user: "User", option: str, days: int, today: date) -> WhatIf:
    """What giving `user` the `option` (search.WHAT_IF_OPTIONS) would change (report.WhatIf); raises
    mixes.NotAvailable saying why the user can't have it."""
    return what_if(optimizer_inputs(tenant=tenant, days=days, today=today), pk=user.pk, option=option)
