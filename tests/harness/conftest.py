from __future__ import annotations

import pytest

from tests.harness.rig import live_rig


@pytest.fixture
async def rig(tmp_path):
    """An engine on fake venues, its stream live, nothing running yet."""
    async with live_rig(tmp_path) as rig:
        yield rig
