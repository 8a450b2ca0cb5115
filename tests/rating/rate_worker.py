"""A second process for test_lookup: reads "number start-iso" lines, answers each with the rate it finds as JSON."""
import datetime
import json
import os
import sys

import django

sys.path.insert(0, os.getcwd())
django.setup()

from billing.rating.selectors import rate_for  # noqa: E402

for line in sys.stdin:
    number, start = line.split()
    match = rate_for(tenant=None, number=number, at=datetime.datetime.fromisoformat(start))
    answer = {"prefix": match.prefix, "price": str(match.price_per_minute.amount), "pid": os.getpid()} if match else None
    print(json.dumps(answer), flush=True)
