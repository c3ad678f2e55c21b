"""One exception hierarchy; the CLI's one error boundary (`cli._common.Boundary`) shows a
UserError as a message and exits 2."""

from __future__ import annotations


class EvitrackError(Exception):
    """Base class for every error evitrack raises on purpose."""


class UserError(EvitrackError):
    """Bad input or usage: shown as a message, exit code 2, no traceback."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
