from tests.rating.conftest import calling_deck, day_ahead, import_deck, now  # noqa: F401 (fixtures of the call tests)
