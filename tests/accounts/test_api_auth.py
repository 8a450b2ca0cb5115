"""Bearer tokens: tenant-scoped, revocable, Graph-style errors when missing or wrong."""
import pytest
from django.urls import path
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts import scopes
from accounts.permissions import HasCapability
from accounts.roles import Cap
from accounts.scopes import ALL_SCOPES
from accounts.services import api_token_create, api_token_revoke


class WhoAmI(APIView):
    permission_classes = [HasCapability.for_(Cap.BILLING_READ)]
    token_scopes = scopes.only(scopes.Scope.BILLING_READ)

    def get(self, request):
        return Response({"tenant": request.user.tenant.initial_domain})


urlpatterns = [path("api/v1/whoami", WhoAmI.as_view())]

pytestmark = pytest.mark.urls("tests.accounts.test_api_auth")


def test_a_valid_token_acts_for_its_tenant(tenant, global_admin):
    _, raw = api_token_create(tenant=tenant, name="t", actor=global_admin, scopes=ALL_SCOPES)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api.get("/api/v1/whoami")
    assert response.status_code == 200
    assert response.json() == {"tenant": tenant.initial_domain}


def test_no_token_is_401_in_graph_shape(db):
    response = APIClient().get("/api/v1/whoami")
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}


def test_a_revoked_or_unknown_token_is_401(tenant, global_admin):
    token, raw = api_token_create(tenant=tenant, name="t", actor=global_admin, scopes=ALL_SCOPES)
    api_token_revoke(token=token, actor=global_admin)
    for value in (raw, "cct_00000000_nonsense"):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        response = api.get("/api/v1/whoami")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_a_session_without_the_role_is_403_in_graph_shape(reports_reader):
    api = APIClient()
    api.force_login(reports_reader)
    response = api.get("/api/v1/whoami")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authorization_RequestDenied"
