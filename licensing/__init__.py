"""Product catalogue, subscriptions, license assignment, Active users and the Graph users API."""
