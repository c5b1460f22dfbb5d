"""One backoff rule for every reconnect and resend: tenacity's random exponential wait.

Full jitter spreads the retries of many clients (or many of our own tasks) apart after a venue
hiccup, instead of having them all knock again at the same instant.
"""
from __future__ import annotations

from tenacity import wait_random_exponential


class _Attempt:
    """The one field of tenacity's RetryCallState that its wait strategies read."""

    __slots__ = ("attempt_number",)

    def __init__(self, attempt_number: int) -> None:
        self.attempt_number = attempt_number


def backoff_s(attempt: int, base_s: float, max_s: float) -> float:
    """Seconds to wait before retry number `attempt` (1-based): uniform in [0, min(max, base*2^n)]."""
    return wait_random_exponential(multiplier=base_s, max=max_s)(_Attempt(max(1, attempt)))
