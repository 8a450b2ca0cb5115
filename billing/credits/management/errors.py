"""Turns what the credits services refuse with into a CommandError naming the field, for the operator commands."""
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def command_error(exc):
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return CommandError("; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()))
    return CommandError(getattr(exc, "message", None) or " ".join(getattr(exc, "messages", [str(exc)])))
