"""What the call services refuse with beyond ValidationError (bad input, naming the field)."""


class CallError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownCall(CallError):
    """No authorization exists for the call id: nothing to complete."""


class CallConflict(CallError):
    """The call id was used before in a way that rules this request out (already imported, hold expired)."""
