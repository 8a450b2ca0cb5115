"""PSTN usage, minute pools and blocked users reports, the credits dashboard and exports."""
