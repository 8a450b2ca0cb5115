"""Graph-compatible /v1.0/ endpoints and the /api/v1/ subscriptions endpoint of licensing."""
