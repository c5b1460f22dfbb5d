from __future__ import annotations

import pytest

from tests.harness.rig import build_rig


@pytest.fixture
async def rig(tmp_path):
    """An engine on fake venues, its stream live, nothing running yet."""
    rig = build_rig(tmp_path / "journal.sqlite")
    await rig.live()
    try:
        yield rig
    finally:
        await rig.close()
