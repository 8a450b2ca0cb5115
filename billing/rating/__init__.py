"""Rate decks, minute pools, real-time call authorization and call records."""
