"""The site's routes plus the bench's two reference views.

/bench/raw is the baseline the issue names: one UPDATE ... RETURNING on one hot row and one INSERT, in one
transaction, without the ORM, authentication or JSON parsing, through the website's middleware.

/api/v1/calls/bench-floor is the floor of a call request: it comes in the way authorize and complete do (the
call endpoints' handler, config/token_api.py), checks the bearer token and reads the JSON body, then does only
what /bench/raw does. No authorize + complete pair can cost less than two of these.
"""
import json

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from accounts.api.authentication import BearerTokenAuthentication

COUNTER_TABLE = "bench_calls_counter"
EVENT_TABLE = "bench_calls_event"


def _count():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {COUNTER_TABLE} SET n = n + 1 WHERE id = 1 RETURNING n")  # noqa: S608 (constant)
        n = cursor.fetchone()[0]
        cursor.execute(f"INSERT INTO {EVENT_TABLE} (n, at) VALUES (%s, now())", [n])  # noqa: S608 (constant)
    return n


@csrf_exempt
def raw(request):
    return JsonResponse({"n": _count()})


@csrf_exempt
def floor(request):
    if BearerTokenAuthentication().authenticate(request) is None:
        return JsonResponse({"error": "no bearer token"}, status=401)
    body = json.loads(request.body)
    return JsonResponse({"callId": body.get("callId"), "n": _count()})


urlpatterns = [
    path("bench/raw", raw),
    path("api/v1/calls/bench-floor", floor),
    path("", include("config.urls")),
]
