"""URL root: every page, API and Graph route of the product, each include named here.

/api/v1/calls/… (the telephony platform's authorize, complete and import) is also served, without the
website's middleware, by config/token_api.py; the same views answer.
"""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

handler403 = "core.error_pages.permission_denied"
handler404 = "core.error_pages.page_not_found"
handler500 = "core.error_pages.server_error"

admin.site.site_header = "Communications Credits operator console"
admin.site.site_title = "Operator console"

urlpatterns = [
    # First: the telephony platform's per-call requests are most of the traffic, and Django tries patterns in order.
    path("api/v1/calls/", include("billing.rating.call_urls")),
    path("", include("ops.urls")),  # /healthz, /readyz, /metrics
    path("django-admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # The billing API: subscriptions, credits and payment methods, rates and the license optimizer, invoices, reports.
    path("api/v1/", include("licensing.api_urls")),  # subscriptions
    path("api/v1/", include("billing.credits.api_urls")),  # credits…, payment-methods…
    path("api/v1/", include("billing.rating.api_urls")),  # rates, license-optimizer…
    path("api/v1/", include("billing.invoices.api_urls")),  # invoices…
    path("api/v1/", include("reporting.api_urls")),  # reports/spend
    path("api/v1/", include("billing.webhooks.api_urls")),  # webhooks…
    path("api/v1/", include("billing.spend.api_urls")),  # calling-policy, users/{id}/calling-policy
    # Microsoft Graph v1.0: subscribedSkus and users (licensing), getPstnCalls (reporting).
    path("v1.0/", include("licensing.graph_urls")),
    path("v1.0/", include("reporting.graph_urls")),
    # Pages: the shell (Home, sign-in, Org settings, audit log), Users and Billing > Your products and Licenses,
    # Communications Credits and Payment methods, Rates, Bills & payments, Billing notifications, Reports.
    path("", include("accounts.urls")),
    path("", include("licensing.urls")),
    path("", include("billing.credits.urls")),
    path("", include("billing.rating.urls")),
    path("", include("billing.invoices.urls")),
    path("", include("billing.notifications.urls")),
    path("", include("billing.webhooks.urls")),  # Org settings > Webhooks
    path("", include("billing.spend.urls")),  # Billing > Calling policy, a user's spend limit
    path("", include("reporting.urls")),
]
