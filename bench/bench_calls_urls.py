"""The site's routes plus /bench/raw: the floor a request through the same server and middleware can reach.

The raw view does what a minimal call-charging request must: one UPDATE ... RETURNING on one hot row and one
INSERT, in one transaction, without the ORM, authentication or JSON parsing.
"""
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

COUNTER_TABLE = "bench_calls_counter"
EVENT_TABLE = "bench_calls_event"


@csrf_exempt
def raw(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {COUNTER_TABLE} SET n = n + 1 WHERE id = 1 RETURNING n")  # noqa: S608 (constant)
        n = cursor.fetchone()[0]
        cursor.execute(f"INSERT INTO {EVENT_TABLE} (n, at) VALUES (%s, now())", [n])  # noqa: S608 (constant)
    return JsonResponse({"n": n})


urlpatterns = [
    path("bench/raw", raw),
    path("", include("config.urls")),
]
