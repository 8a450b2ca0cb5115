"""Demo directory: Contoso with about 300 users in eight countries and one admin per role; Fabrikam beside it."""
import random

from django.db import transaction

from core.plugins import demo_seeder
from core.validation import clean_phone

from .models import Tenant, User
from .roles import Role
from .services import tenant_create, user_create

DEMO_PASSWORD = "Contoso-Demo-2026"
DOMAIN = "contoso.example"

# usage location -> (how many users, phone number template; the last four digits vary)
COUNTRIES = {
    "US": (110, "+1425555{:04d}"),
    "PR": (15, "+1787555{:04d}"),
    "GB": (45, "+4420794{:05d}"),
    "CA": (30, "+1613555{:04d}"),
    "DE": (35, "+49309018{:04d}"),
    "FR": (25, "+331400{:05d}"),
    "IN": (20, "+9111234{:05d}"),
    "JP": (16, "+813123{:05d}"),
}

FIRST = ["Adele", "Alex", "Allan", "Ben", "Christie", "Debra", "Diego", "Emily", "Enrico", "Grady", "Henrietta",
         "Irvin", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Patti",
         "Pradeep", "Raul", "Sakura", "Hiro", "Priya", "Amelie", "Lukas", "Chloe", "Oliver", "Mateo", "Sofia",
         "Arjun", "Yuki", "Noah", "Emma", "Liam", "Olivia", "Hannah"]
LAST = ["Vance", "Wilber", "Deyoung", "Walker", "Cline", "Berg", "Siciliani", "Braun", "Zollinger", "Archie",
        "Cornejo", "Sizemore", "Langer", "Lauer", "Sherman", "Gu", "Holloway", "Robbins", "Bowen", "Wilkins",
        "Gomez", "Fernandez", "Gupta", "Tanaka", "Sato", "Mueller", "Dubois", "Martin", "Smith", "Patel",
        "Nakamura", "Schmidt", "Moreau", "Brown", "Singh", "Kowalski", "Rossi", "Jensen", "Kim", "Novak"]
DEPARTMENTS = ["Sales", "Marketing", "Finance", "Operations", "Engineering", "Support", "Legal", "HR"]
TITLES = ["Manager", "Specialist", "Analyst", "Director", "Coordinator", "Engineer", "Consultant"]

ADMINS = [
    ("admin", "MOD Administrator", Role.GLOBAL_ADMIN),
    ("billing", "Bianca Billing", Role.BILLING_ADMIN),
    ("licenses", "Liam Licenses", Role.LICENSE_ADMIN),
    ("users", "Uma Users", Role.USER_ADMIN),
    ("reports", "Rita Reports", Role.REPORTS_READER),
    ("teamscomms", "Theo Teams", Role.TEAMS_COMMS_ADMIN),
]


def demo_admins():
    return [(f"{local}@{DOMAIN}", role) for local, _, role in ADMINS]


def _people():
    """Deterministic (upn, first, last, country, phone, department, title) for the demo directory."""
    rng = random.Random(2026)
    seen = set()
    serial = 100
    for country, (count, template) in COUNTRIES.items():
        for _ in range(count):
            while True:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                local = f"{first}.{last}".lower()
                if local not in seen:
                    break
                local = f"{local}{rng.randint(2, 99)}"
                if local not in seen:
                    break
            seen.add(local)
            serial += 1
            yield (f"{local}@{DOMAIN}", first, last, country, clean_phone(template.format(serial)),
                   rng.choice(DEPARTMENTS), rng.choice(TITLES))


@transaction.atomic
@demo_seeder
def seed(*, tenant=None, stdout=None):
    tenant = Tenant.objects.filter(initial_domain=DOMAIN).first() or tenant_create(
        name="Contoso", domain=DOMAIN, country="US", billing_country="US",
        billing_address="Contoso Ltd.\n1 Microsoft Way\nRedmond, WA 98052\nUnited States",
        agreement_number="EA-8675309",
    )
    existing = set(User.objects.filter(tenant=tenant).values_list("upn", flat=True))
    for local, display, role in ADMINS:
        upn = f"{local}@{DOMAIN}"
        if upn not in existing:
            user_create(tenant=tenant, upn=upn, display_name=display, password=DEMO_PASSWORD, roles=[role],
                        usage_location="US", phone_number=f"+1425555{ADMINS.index((local, display, role)):04d}",
                        department="IT", job_title="Administrator", actor=None)
    for upn, first, last, country, phone, department, title in _people():
        if upn not in existing:
            user_create(tenant=tenant, upn=upn, display_name=f"{first} {last}", first_name=first, last_name=last,
                        usage_location=country, phone_number=phone, department=department, job_title=title,
                        actor=None)
    _seed_fabrikam()
    if stdout:
        stdout.write(f"  directory: {User.objects.filter(tenant=tenant).count()} users in {tenant.name}")
    return tenant


def _seed_fabrikam():
    """A second, small tenant so that operators see more than one and isolation is visible."""
    domain = "fabrikam.example"
    tenant = Tenant.objects.filter(initial_domain=domain).first() or tenant_create(
        name="Fabrikam", domain=domain, country="GB", billing_country="GB",
        billing_address="Fabrikam Ltd.\n10 Downing Lane\nLondon\nUnited Kingdom",
    )
    upn = f"admin@{domain}"
    if not User.objects.filter(upn=upn).exists():
        user_create(tenant=tenant, upn=upn, display_name="Fabrikam Admin", password=DEMO_PASSWORD,
                    roles=[Role.GLOBAL_ADMIN], usage_location="GB", actor=None)
