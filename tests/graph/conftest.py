"""Microsoft's own Graph SDK for Python (msgraph-sdk) pointed at this product's /v1.0/ on a live server, signed in
with a static bearer token (an API token of the tenant) instead of Microsoft Entra ID."""
import asyncio
import threading
from urllib.parse import urlsplit

import httpx
import pytest
from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator
from kiota_abstractions.authentication.base_bearer_token_authentication_provider import (
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.graph_request_adapter import options as sdk_options
from msgraph_core import GraphClientFactory

from accounts.services import api_token_create


class StaticTokenProvider(AccessTokenProvider):
    """Hands the SDK one token for one host, as a script holding an app token would."""

    def __init__(self, token, host):
        self.token = token
        self.validator = AllowedHostsValidator([host])

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        return self.token

    def get_allowed_hosts_validator(self):
        return self.validator


@pytest.fixture
def run():
    """run(coroutine) runs one SDK call to its end on the test's own event loop, in a thread of its own: the SDK's
    HTTP client keeps to the loop it first ran on, and the main thread may hold Playwright's loop already. The tests
    stay synchronous around it, and the ORM with them."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="msgraph-sdk", daemon=True)
    thread.start()
    yield lambda coroutine: asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=120)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


@pytest.fixture
def graph_for(live_server, transactional_db, run):
    """graph_for(tenant) returns (GraphServiceClient, its request adapter) for /v1.0/ of the live server."""
    transports = []

    def make(tenant):
        _, raw = api_token_create(tenant=tenant, name="msgraph-sdk", actor=None,
                                  scopes=["graph.read", "graph.write"])
        provider = StaticTokenProvider(raw, urlsplit(live_server.url).netloc)
        # The SDK's own middleware (retry, redirect, telemetry) as GraphRequestAdapter loads it, over a transport this
        # fixture keeps so that it can close its connections (the SDK's middleware transport does not pass that on).
        transport = httpx.AsyncHTTPTransport()
        transports.append(transport)
        client = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(transport=transport),
                                                                   options=sdk_options)
        adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(provider), client=client)
        adapter.base_url = f"{live_server.url}/v1.0"
        return GraphServiceClient(request_adapter=adapter), adapter

    yield make
    # Kept-alive connections end with the test: the server's thread for each lets go of the shared test database now.
    for transport in transports:
        run(transport.aclose())
