"""parse_number: E.164 normalisation, country and number type for reports, and errors that name the number."""
import pytest

from billing.rating.numbers import InvalidNumber, NumberType, PhoneNumber, parse_number


@pytest.mark.parametrize(
    ("raw", "e164", "country", "number_type"),
    [
        ("+44 20 7946 0000", "+442079460000", "GB", NumberType.FIXED),
        ("+44 (0)20 7946 0000", "+442079460000", "GB", NumberType.FIXED),
        ("+49 1511 2345678", "+4915112345678", "DE", NumberType.MOBILE),
        ("+1 (425) 555-0100", "+14255550100", "US", NumberType.FIXED),
        ("+1 800 555 0100", "+18005550100", "US", NumberType.TOLL_FREE),
        ("+1 900 555 0100", "+19005550100", "US", NumberType.PREMIUM),
        ("+44 909 879 0000", "+449098790000", "GB", NumberType.PREMIUM),
        ("+33 1 42 68 53 00", "+33142685300", "FR", NumberType.FIXED),
        ("+800 1234 5678", "+80012345678", "", NumberType.TOLL_FREE),
        # An unencoded '+' in a query string arrives as a space; digits alone are E.164 without '+'.
        (" 442079460000", "+442079460000", "GB", NumberType.FIXED),
        ("442079460000", "+442079460000", "GB", NumberType.FIXED),
    ],
)
def test_numbers_are_normalised_to_e164_with_country_and_type(raw, e164, country, number_type):
    number = parse_number(raw)

    assert (number.e164, number.country, number.number_type) == (e164, country, number_type)
    assert number.digits == e164[1:]


def test_a_national_number_is_read_in_the_region_given():
    assert parse_number("020 7946 0000", region="GB").e164 == "+442079460000"
    assert parse_number("(425) 555-0100", region="US").e164 == "+14255550100"


def test_a_number_describes_itself_for_reports():
    number = parse_number("+442079460000")

    assert number.country_name == "United Kingdom"
    assert number.international == "+44 20 7946 0000"
    assert number.as_json() == {"e164": "+442079460000", "international": "+44 20 7946 0000", "country": "GB",
                                "countryName": "United Kingdom", "numberType": "fixed"}
    assert parse_number("+80012345678").country_name == "International"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "'abc' is not a valid phone number: use digits in international format"),
        ("+999 123 456", "'+999 123 456' is not a valid phone number: it does not start with a country calling code"),
        ("+44 20 79", "'+44 20 79' is not a valid phone number: too short for United Kingdom (+44)"),
        ("+44 20 7946 0000 0000", "'+44 20 7946 0000 0000' is not a valid phone number: too long for United Kingdom"),
        # Ofcom keeps 07700 900xxx for drama: possible in length, never in use.
        ("+44 7700 900123", "'+44 7700 900123' is not a valid phone number: no such number range is in use in United Kingdom"),
        ("020 7946 0000", "'020 7946 0000' is not a valid phone number: it does not start with a country calling code"),
        ("", "Enter a phone number: use international format, for example +44 20 7946 0000."),
        ("+1" + "2" * 80, "is not a valid phone number: it is too long"),
    ],
)
def test_malformed_or_impossible_numbers_are_refused_by_name(raw, message):
    with pytest.raises(InvalidNumber) as caught:
        parse_number(raw)

    assert message in caught.value.message
    assert str(caught.value) == caught.value.message


def test_parsed_numbers_are_immutable_values():
    number = parse_number("+442079460000")

    assert number == PhoneNumber("+442079460000", "GB", NumberType.FIXED, "+44 20 7946 0000")
    with pytest.raises(AttributeError):
        number.e164 = "+1"
