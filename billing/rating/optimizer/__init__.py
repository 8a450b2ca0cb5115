"""The license optimizer: re-rates the last 30 or 90 days of the tenant's calls under other license mixes with the
real rating rules (routing, charging, minute pools shared by the tenant, the rate decks in force on each call's day)
and recommends the cheapest mix. `mixes` says what a person may hold, `rerate` prices a whole mix, `search` finds
the cheapest one, `inputs` reads the tenant's people, calls and prices, `report` is what pages, API and CSV show."""
