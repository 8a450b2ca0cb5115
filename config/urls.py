"""URL root: the Django admin, the API schema, and every app's pages, /api/v1/ and /v1.0/ (Graph) routes."""
from importlib import import_module

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.extensions import PROJECT_APPS, app_modules

handler403 = "accounts.errors.permission_denied"
handler404 = "accounts.errors.page_not_found"
handler500 = "accounts.errors.server_error"

admin.site.site_header = "Communications Credits operator console"
admin.site.site_title = "Operator console"

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include([p for m in app_modules("api_urls") for p in m.urlpatterns])),
    path("v1.0/", include([p for m in app_modules("graph_urls") for p in m.urlpatterns])),
]
for app_name in PROJECT_APPS:
    module = import_module(f"{app_name}.urls")
    if module.urlpatterns:
        urlpatterns.append(path("", include(module, namespace=module.app_name)))
