import pytest
from tests.factories import UserFactory
from tests.licensing.factories import give_license

def test_smoke(client_as, global_admin, calling_subscriptions, people):
    c = client_as(global_admin)
    give_license(people[0], "SPE_E5")
    for url in ["/users/active/", f"/users/active/{people[0].pk}/", f"/users/active/{people[0].pk}/?tab=licenses",
                f"/users/active/manage-licenses/?user={people[0].pk}&user={people[1].pk}", "/users/active/add/",
                f"/users/active/{people[0].pk}/edit/", f"/users/active/{people[0].pk}/sign-in/",
                "/billing/products/", f"/billing/products/{calling_subscriptions['SPE_E5'].pk}/",
                f"/billing/products/{calling_subscriptions['SPE_E5'].pk}/buy/", "/billing/licenses/",
                f"/billing/licenses/{calling_subscriptions['SPE_E5'].pk}/", f"/billing/licenses/{calling_subscriptions['SPE_E5'].pk}/assign/"]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:3000])
        r = c.get(url, HTTP_HX_REQUEST="true")
        assert r.status_code == 200, (url, r.status_code)
