class IpoError(Exception):
    """A refused IPO operation; ``message`` is shown to the user (Chinese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
