"""Pages of licensing: Users > Active users (views.users, views.add_user) and Billing (views.billing)."""
