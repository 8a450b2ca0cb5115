"""Auto-recharge: its settings (configure), the rule that decides when and how much (rule), the engine that starts,
charges and retries recharges (engine), its timings (policy) and the reads they share (selectors). The tasks that
run it are in billing/credits/tasks.py."""
