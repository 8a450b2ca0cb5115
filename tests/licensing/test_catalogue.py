"""The catalogue shipped by the migration: every product PRODUCT.md names, with Microsoft's ids."""
from licensing.models import Product


def test_catalogue_holds_the_products_of_the_brief(db):
    parts = set(Product.objects.values_list("sku_part_number", flat=True))
    assert {"SPE_E5", "SPE_E3", "MCOEV", "MCOPSTN1", "MCOPSTN2", "MCOPSTN5", "MCOPSTN_6", "MCOPSTN8",
            "MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2", "MCOMEETADV", "MCOPSTNC"} <= parts


def test_catalogue_uses_the_sku_ids_of_product_md(db):
    ids = {p.sku_part_number: str(p.id) for p in Product.objects.all()}
    assert ids["MCOPSTNC"] == "47794cd0-f0e5-45c5-9033-2eb6b5fc84e0"
    assert ids["MCOPSTN1"] == "0dab259f-bf13-4952-b7f8-7db8f131b28d"
    assert ids["MCOPSTN2"] == "d3b4fe1f-9992-4930-8acb-ca6ec609365e"
    assert ids["MCOPSTN5"] == "54a152dc-90de-4996-93d2-bc47e670fc06"
    assert ids["MCOMEETADV"] == "0c266dff-15dd-4b49-8397-2bb16070ed52"
    assert ids["MCOEV"] == "e43b5b99-8dfb-405f-9987-dc307f34bcbd"


def test_e5_includes_teams_phone_and_audio_conferencing(db):
    plans = set(Product.objects.get(sku_part_number="SPE_E5").service_plans.values_list("name", flat=True))
    assert {"MCOEV", "MCOMEETADV"} <= plans
    e3 = set(Product.objects.get(sku_part_number="SPE_E3").service_plans.values_list("name", flat=True))
    assert not {"MCOEV", "MCOMEETADV"} & e3
