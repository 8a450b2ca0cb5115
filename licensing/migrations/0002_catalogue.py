"""The product catalogue as first shipped; operators edit it afterwards in the Django admin.

SKU and service-plan ids are Microsoft's published ones where PRODUCT.md or Microsoft's licensing
reference gives them. Products Microsoft does not publish under these part numbers (MCOPSTN_6, MCOPSTN8,
the two Pay-As-You-Go zones) and the MCOPSTN5 service plan carry fixed ids derived with uuid5 from
"commscredits-catalogue:<kind>:<name>"; an operator can replace them in the admin.

Calling products use their SKU part number as their service-plan name (MCOEV, MCOPSTN1, ...).
Pay-As-You-Go zone 1 (US, PR, UK, CA) is MCOPSTN_PAYG_1 and zone 2 (EU and others) MCOPSTN_PAYG_2.
"""
from decimal import Decimal

from django.db import migrations

CALLING_PLANS = ["MCOPSTN1", "MCOPSTN2", "MCOPSTN5", "MCOPSTN_6", "MCOPSTN8", "MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2"]

# name, id, friendly name, default domestic minutes, {country: minutes}, international, dial-out, pooled
SERVICE_PLANS = [
    ("EXCHANGE_S_ENTERPRISE", "efb87545-963c-4e0d-99df-69c6916d9eb0", "Exchange Online (Plan 2)", 0, {}, 0, 0, True),
    ("SHAREPOINTENTERPRISE", "5dbe027f-2339-4123-9542-606e4d348a72", "SharePoint (Plan 2)", 0, {}, 0, 0, True),
    ("OFFICESUBSCRIPTION", "43de0ff5-c92c-492b-9116-175376d08c38", "Microsoft 365 Apps for enterprise", 0, {}, 0, 0,
     True),
    ("TEAMS1", "57ff2da0-773e-42df-b2af-ffb7a2317929", "Microsoft Teams", 0, {}, 0, 0, True),
    ("MCOSTANDARD", "0feaeb32-d00e-4d66-bd5a-43b5b83db82c", "Skype for Business Online (Plan 2)", 0, {}, 0, 0, True),
    ("MCOEV", "4828c8ec-dc2e-4779-b502-87ac9ce28ab7", "Microsoft Teams Phone Standard", 0, {}, 0, 0, True),
    ("MCOMEETADV", "3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40", "Microsoft 365 Audio Conferencing", 0, {}, 0, 60, True),
    ("MCOPSTN1", "4ed3ff63-69d7-4fb7-b984-5aec7f605ca8", "Domestic Calling Plan", 1200,
     {"US": 3000, "PR": 3000, "CA": 3000}, 0, 0, True),
    ("MCOPSTN2", "5a10155d-f5c1-411a-a8ec-e99aae125390", "Domestic and International Calling Plan", 1200,
     {"US": 3000, "PR": 3000, "CA": 3000}, 600, 0, True),
    ("MCOPSTN5", "3c50a180-24c9-5b34-96a2-e40c78619744", "Domestic Calling Plan (120 min)", 120, {}, 0, 0, True),
    ("MCOPSTN_6", "6cb951eb-0235-50b1-a34d-e7f064fd3847", "Domestic Calling Plan (240 min)", 240, {}, 0, 0, True),
    ("MCOPSTN8", "4e4c51d2-c00e-5d10-a418-42e81ba69312", "Domestic Calling Plan (120 min, not pooled)", 120, {}, 0,
     0, False),
    ("MCOPSTN_PAYG_1", "8e5e138f-8127-5c8a-a27d-76a5da654bcf",
     "Pay-As-You-Go Calling Plan (zone 1: US, PR, UK, CA)", 0, {}, 0, 0, True),
    ("MCOPSTN_PAYG_2", "63cfeec1-7046-5e19-ada5-8b5655048b02",
     "Pay-As-You-Go Calling Plan (zone 2: EU and others)", 0, {}, 0, 0, True),
    ("MCOPSTNC", "505e180f-f7e0-4b65-91d4-00d670bbd18c", "Communications Credits", 0, {}, 0, 0, True),
]

# A user holding the first plan must hold at least one of the others.
REQUIREMENTS = {
    **{plan: ["MCOEV"] for plan in CALLING_PLANS},
    "MCOPSTNC": [*CALLING_PLANS, "MCOMEETADV"],
}

_SUITE = ["EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "OFFICESUBSCRIPTION", "TEAMS1", "MCOSTANDARD"]

# part number, SKU id, name, service plans, list price per licence per month (USD), sort order
PRODUCTS = [
    ("SPE_E5", "06ebc4ee-1bb5-47dd-8120-11324bc54e06", "Microsoft 365 E5", [*_SUITE, "MCOEV", "MCOMEETADV"], "57.00", 10),
    ("SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965", "Microsoft 365 E3", _SUITE, "36.00", 20),
    ("MCOEV", "e43b5b99-8dfb-405f-9987-dc307f34bcbd", "Microsoft Teams Phone Standard", ["MCOEV"], "10.00", 30),
    ("MCOPSTN1", "0dab259f-bf13-4952-b7f8-7db8f131b28d", "Microsoft Teams Domestic Calling Plan", ["MCOPSTN1"],
     "12.00", 40),
    ("MCOPSTN2", "d3b4fe1f-9992-4930-8acb-ca6ec609365e",
     "Microsoft Teams Domestic and International Calling Plan", ["MCOPSTN2"], "24.00", 41),
    ("MCOPSTN5", "54a152dc-90de-4996-93d2-bc47e670fc06", "Microsoft Teams Domestic Calling Plan (120 min)",
     ["MCOPSTN5"], "6.00", 42),
    ("MCOPSTN_6", "7171d323-9d1e-58bf-904b-56aa4c63a3f0", "Microsoft Teams Domestic Calling Plan (240 min)",
     ["MCOPSTN_6"], "8.00", 43),
    ("MCOPSTN8", "5d902474-25fe-574f-8a85-e9f015a3bf1f",
     "Microsoft Teams Domestic Calling Plan (120 min, not pooled)", ["MCOPSTN8"], "6.00", 44),
    ("MCOPSTN_PAYG_1", "6bef3df3-9fe9-58aa-93f1-73812ca7a96e",
     "Microsoft Teams Calling Plan pay-as-you-go (country zone 1 - US/PR/UK/CA)", ["MCOPSTN_PAYG_1"], "4.00", 45),
    ("MCOPSTN_PAYG_2", "d399ac73-bcfd-5b38-8a6f-9a684e1711e9",
     "Microsoft Teams Calling Plan pay-as-you-go (country zone 2 - EU and others)", ["MCOPSTN_PAYG_2"], "4.00", 46),
    ("MCOMEETADV", "0c266dff-15dd-4b49-8397-2bb16070ed52", "Microsoft 365 Audio Conferencing", ["MCOMEETADV"],
     "4.00", 50),
    ("MCOPSTNC", "47794cd0-f0e5-45c5-9033-2eb6b5fc84e0", "Communications Credits", ["MCOPSTNC"], "0.00", 60),
]


def load_catalogue(apps, schema_editor):
    ServicePlan = apps.get_model("licensing", "ServicePlan")
    ServicePlanCountryMinutes = apps.get_model("licensing", "ServicePlanCountryMinutes")
    Product = apps.get_model("licensing", "Product")
    plans = {}
    for name, plan_id, friendly, domestic, by_country, international, dial_out, pooled in SERVICE_PLANS:
        plan = ServicePlan.objects.create(
            id=plan_id, name=name, friendly_name=friendly, domestic_minutes=domestic,
            international_minutes=international, dial_out_minutes=dial_out, pooled=pooled,
        )
        for country, minutes in by_country.items():
            ServicePlanCountryMinutes.objects.create(service_plan=plan, country=country, minutes=minutes)
        plans[name] = plan
    for name, required in REQUIREMENTS.items():
        plans[name].requires_any_of.set([plans[r] for r in required])
    for part, sku_id, name, plan_names, price, sort_order in PRODUCTS:
        product = Product.objects.create(id=sku_id, sku_part_number=part, name=name, list_price=Decimal(price),
                                         list_price_currency="USD", sort_order=sort_order)
        product.service_plans.set([plans[p] for p in plan_names])


def unload_catalogue(apps, schema_editor):
    apps.get_model("licensing", "Product").objects.filter(sku_part_number__in=[p[0] for p in PRODUCTS]).delete()
    apps.get_model("licensing", "ServicePlan").objects.filter(name__in=[p[0] for p in SERVICE_PLANS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("licensing", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_catalogue, unload_catalogue),
    ]
