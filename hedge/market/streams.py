"""One random stream per component and market, so the same seed gives the same draws whatever
the bot does (a bot that sends more orders never shifts the takers or the price path)."""
from __future__ import annotations

import random


def stream(seed: int, component: str, market: str) -> random.Random:
    return random.Random(f"{seed}:{component}:{market}")
