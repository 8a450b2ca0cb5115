"""Pages of Reports: PSTN usage (usage details, minute pools, blocked users), exports, the credits dashboard."""
