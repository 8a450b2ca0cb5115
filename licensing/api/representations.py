"""Microsoft Graph v1.0 shapes of users, assigned licenses, license details and subscribed SKUs."""
from collections.abc import Callable
from typing import Any

from ..models import Subscription
from ..selectors import (
    assigned_licenses_by_user,
    assigned_plans_by_user,
    license_states_by_user,
    subscriptions_with_usage,
)


def _or_none(value):
    return value or None


def _utc(moment):
    return moment.isoformat().replace("+00:00", "Z")


# The license properties of a user, each loaded for a whole page in a constant number of queries.
_LICENSE_LOADERS: dict[str, Callable[[Any, list[Any]], dict[Any, Any]]] = {
    "assignedLicenses": lambda tenant, ids: assigned_licenses_by_user(user_ids=ids),
    "assignedPlans": lambda tenant, ids: assigned_plans_by_user(tenant=tenant, user_ids=ids),
    "licenseAssignmentStates": lambda tenant, ids: license_states_by_user(tenant=tenant, user_ids=ids),
}


def _loaded(user, name):
    """Set by with_license_properties for a page; a single user is looked up on its own."""
    found = getattr(user, "_graph_loaded", {}).get(name)
    if found is None:
        found = _LICENSE_LOADERS[name](user.tenant_id, [user.pk])
    return found.get(user.pk, {} if name == "assignedLicenses" else [])


def _assigned_licenses(user):
    return [{"disabledPlans": [str(plan) for plan in disabled], "skuId": str(sku)}
            for sku, disabled in _loaded(user, "assignedLicenses").items()]


def _assigned_plans(user):
    return [{"assignedDateTime": _utc(row.assigned_at), "capabilityStatus": row.capability_status,
             "service": row.service, "servicePlanId": str(row.service_plan_id)}
            for row in _loaded(user, "assignedPlans")]


def _license_assignment_states(user):
    return [{"assignedByGroup": None, "disabledPlans": [str(plan) for plan in row.disabled_plan_ids],
             "error": row.error or "None", "lastUpdatedDateTime": _utc(row.last_updated_at), "skuId": str(row.sku_id),
             "state": row.state}
            for row in _loaded(user, "licenseAssignmentStates")]


USER_PROPERTIES = {
    "id": lambda u: str(u.pk),
    "businessPhones": lambda u: [u.phone_number] if u.phone_number else [],
    "displayName": lambda u: u.display_name,
    "givenName": lambda u: _or_none(u.first_name),
    "jobTitle": lambda u: _or_none(u.job_title),
    "mail": lambda u: u.upn,
    "mobilePhone": lambda u: None,
    "officeLocation": lambda u: _or_none(u.office_location),
    "preferredLanguage": lambda u: None,
    "surname": lambda u: _or_none(u.last_name),
    "userPrincipalName": lambda u: u.upn,
    "accountEnabled": lambda u: u.sign_in_allowed,
    "usageLocation": lambda u: _or_none(u.usage_location),
    "department": lambda u: _or_none(u.department),
    "createdDateTime": lambda u: _utc(u.created_at),
    "assignedLicenses": _assigned_licenses,
    "assignedPlans": _assigned_plans,
    "licenseAssignmentStates": _license_assignment_states,
}
# What Graph returns for a user when the request has no $select.
DEFAULT_USER_PROPERTIES = ["businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                           "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"]
# Properties Graph computes: a request that writes one is refused, as Graph refuses it.
READ_ONLY_USER_PROPERTIES = frozenset({"id", "createdDateTime", "assignedLicenses", "assignedPlans",
                                       "licenseAssignmentStates", "mail", "mobilePhone", "preferredLanguage"})


def with_license_properties(users, select):
    """Loads the license properties $select names for a page of users, in a constant number of queries."""
    wanted = [name for name in _LICENSE_LOADERS if name in (select or ())]
    if users and wanted:
        ids = [user.pk for user in users]
        loaded = {name: _LICENSE_LOADERS[name](users[0].tenant_id, ids) for name in wanted}
        for user in users:
            user._graph_loaded = loaded
    return users


def user_json(user, select=None):
    return {name: USER_PROPERTIES[name](user) for name in (select or DEFAULT_USER_PROPERTIES)}


def license_details_json(assignment):
    return {
        "id": str(assignment.pk),
        "skuId": str(assignment.product_id),
        "skuPartNumber": assignment.product.sku_part_number,
        "servicePlans": [{
            "servicePlanId": str(row.service_plan_id),
            "servicePlanName": row.service_plan.name,
            "provisioningStatus": "Success" if row.enabled else "Disabled",
            "appliesTo": row.service_plan.applies_to,
        } for row in assignment.plans.all()],
    }


def subscribed_skus(tenant):
    return subscriptions_with_usage(tenant=tenant).select_related("tenant").prefetch_related("product__service_plans")


def subscribed_sku_json(subscription):
    product = subscription.product
    suspended = subscription.status in (Subscription.Status.DISABLED, Subscription.Status.DELETED)
    return {
        "accountId": str(subscription.tenant_id),
        "accountName": subscription.tenant.name,
        "appliesTo": product.applies_to,
        "capabilityStatus": subscription.capability_status,
        "consumedUnits": subscription.consumed_units,
        "id": f"{subscription.tenant_id}_{product.pk}",
        "prepaidUnits": {
            "enabled": 0 if suspended else subscription.enabled_units,
            "suspended": subscription.suspended_units + (subscription.enabled_units if suspended else 0),
            "warning": subscription.warning_units,
            "lockedOut": 0,
        },
        "servicePlans": [{
            "servicePlanId": str(plan.pk),
            "servicePlanName": plan.name,
            "provisioningStatus": "Success",
            "appliesTo": plan.applies_to,
        } for plan in product.service_plans.all()],
        "skuId": str(product.pk),
        "skuPartNumber": product.sku_part_number,
        "subscriptionIds": [str(subscription.pk)],
    }


def subscription_json(subscription):
    """The /api/v1/subscriptions shape: the admin centre's Your products line."""
    return {
        "id": subscription.pk,
        "skuId": str(subscription.product_id),
        "skuPartNumber": subscription.product.sku_part_number,
        "productName": subscription.product.name,
        "status": subscription.get_status_display(),
        "capabilityStatus": subscription.capability_status,
        "totalLicenses": subscription.total_units,
        "assignedLicenses": subscription.consumed_units,
        "availableLicenses": max(subscription.total_units - subscription.consumed_units, 0),
        "pricePerLicensePerMonth": {"amount": str(subscription.price.amount),
                                    "currency": str(subscription.price.currency)},
        "startDate": subscription.start_date.isoformat(),
        "renewalDate": subscription.renewal_date.isoformat() if subscription.renewal_date else None,
    }
