"""Product catalogue, subscriptions, licence assignment, Active users and the Graph users API."""
