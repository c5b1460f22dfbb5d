"""The hedge venue is checked before anything starts: unverified ids need an explicit opt-in."""
from __future__ import annotations

import pytest
import yaml

from hedge.app.session import SessionError, open_session
from hedge.infra.config import load_config


def _config(tmp_path, **hedge):
    path = tmp_path / "bot.yaml"
    path.write_text(yaml.safe_dump({"mode": "paper", "hedge": hedge,
                                    "logging": {"dir": str(tmp_path / "logs")}}))
    return load_config(path, {})


async def test_an_unverified_venue_is_refused_with_the_supported_list(tmp_path):
    with pytest.raises(SessionError) as caught:
        await open_session(_config(tmp_path, exchange="kraken"), tmp_path / "absent.toml")
    text = str(caught.value)
    assert "supported: binanceusdm, bybit, hyperliquid, okx" in text
    assert "hedge.allow_untested_venue: true" in text


async def test_an_opted_in_venue_without_a_local_venue_names_the_fix(tmp_path):
    config = _config(tmp_path, exchange="kraken", allow_untested_venue=True)
    with pytest.raises(SessionError, match="no local venue speaks 'kraken'.*hedge.url"):
        await open_session(config, tmp_path / "absent.toml")


def test_padding_is_the_venues_rule_unless_the_config_turns_it_off(tmp_path):
    assert _config(tmp_path).hedge.pad_small_hedges is None
    assert _config(tmp_path, pad_small_hedges=False).hedge.pad_small_hedges is False
