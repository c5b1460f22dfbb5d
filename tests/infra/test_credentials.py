"""Credentials: env over file, clear messages for what is missing, no value ever shown."""
from __future__ import annotations

from pathlib import Path

import pytest

from hedge.infra.credentials import CredentialsError, load_credentials

PLANTED = "0xPLANTED_secret_5f3a"
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "accounts.example.toml"
FULL_ENV = {"LIGHTER_ACCOUNT_INDEX": "77", "LIGHTER_API_KEY_INDEX": "3",
            "LIGHTER_API_PRIVATE_KEY": PLANTED, "HEDGE_API_KEY": PLANTED + "k",
            "HEDGE_API_SECRET": PLANTED + "s"}


def accounts(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accounts.toml"
    path.write_text(text)
    return path


def test_environment_wins_over_the_file(tmp_path):
    path = accounts(tmp_path, '[lighter]\naccount_index = 1\napi_key_index = 2\n'
                              'private_key = "file-key"\n[hedge]\napi_key = "file-api"\n'
                              'secret = "file-secret"\n')
    creds = load_credentials(path, {"LIGHTER_ACCOUNT_INDEX": "9", "HEDGE_API_SECRET": "env-secret",
                                    "LIGHTER_API_PRIVATE_KEY": ""})
    assert creds.lighter_account_index == 9 and creds.lighter_api_key_index == 2
    assert creds.lighter_private_key.reveal() == "file-key"  # empty env var = unset
    assert creds.hedge_api_key.reveal() == "file-api"
    assert creds.hedge_api_secret.reveal() == "env-secret"
    assert creds.origins["hedge_api_secret"] == "env HEDGE_API_SECRET"
    assert creds.origins["hedge_api_key"].endswith("[hedge] api_key")
    creds.require_live()


def test_config_indexes_are_the_last_fallback(tmp_path):
    creds = load_credentials(tmp_path / "absent.toml", {"LIGHTER_ACCOUNT_INDEX": "5"},
                             config_account_index=1, config_api_key_index=4)
    assert (creds.lighter_account_index, creds.lighter_api_key_index) == (5, 4)


def test_paper_mode_accepts_nothing_set(tmp_path):
    creds = load_credentials(tmp_path / "absent.toml", {})
    assert creds.lighter_private_key is None and creds.hedge_api_key is None
    assert len(creds.missing()) == 5


def test_require_live_names_each_missing_variable_and_where_to_set_it(tmp_path):
    creds = load_credentials(tmp_path / "absent.toml", {"HEDGE_API_KEY": "k"})
    with pytest.raises(CredentialsError) as caught:
        creds.require_live()
    text = str(caught.value)
    for env in ("LIGHTER_ACCOUNT_INDEX", "LIGHTER_API_KEY_INDEX", "LIGHTER_API_PRIVATE_KEY",
                "HEDGE_API_SECRET"):
        assert f"  - {env}: set {env} in the environment or [" in text
    assert "HEDGE_API_KEY:" not in text
    assert "[lighter] private_key in config/accounts.toml" in text
    assert "lighter.account_index in the config" in text
    assert "copy config/accounts.example.toml" in text


def test_no_secret_in_repr_str_or_errors(tmp_path):
    creds = load_credentials(tmp_path / "absent.toml", FULL_ENV)
    shown = repr(creds) + str(creds) + repr(creds.lighter_private_key) + f"{creds}"
    assert "PLANTED" not in shown
    assert "lighter_account_index=77" in shown
    assert "lighter_private_key=<set from env LIGHTER_API_PRIVATE_KEY>" in shown
    with pytest.raises(CredentialsError) as caught:
        load_credentials(tmp_path / "absent.toml", {"LIGHTER_ACCOUNT_INDEX": PLANTED})
    assert "LIGHTER_ACCOUNT_INDEX must be a non-negative integer" in str(caught.value)
    assert "PLANTED" not in str(caught.value)


def test_malformed_accounts_file_names_the_line_not_the_value(tmp_path):
    path = accounts(tmp_path, f'[lighter]\naccount_index = 1\nprivate_key = {PLANTED}\n')
    with pytest.raises(CredentialsError) as caught:
        load_credentials(path, {})
    text = str(caught.value)
    assert "is not valid TOML" in text and "at line 3" in text
    assert "PLANTED" not in text


def test_unknown_or_mistyped_accounts_keys_are_refused(tmp_path):
    path = accounts(tmp_path, f'[lighter]\nprivate_kee = "{PLANTED}"\naccount_index = true\n'
                              '[binance]\nx = 1\n')
    with pytest.raises(CredentialsError) as caught:
        load_credentials(path, {})
    text = str(caught.value)
    assert "[lighter] private_kee is not a known key; did you mean 'private_key'?" in text
    assert "[lighter] account_index must be a string or an integer" in text
    assert "[binance] is not a section this file has" in text
    assert "PLANTED" not in text


def test_committed_example_parses_with_every_key(tmp_path):
    creds = load_credentials(EXAMPLE, {})
    assert creds.missing() == []


def test_each_venue_names_its_own_missing_credentials(tmp_path):
    creds = load_credentials(tmp_path / "absent.toml", FULL_ENV)
    creds.require_live()                                   # binanceusdm / bybit: key + secret
    with pytest.raises(CredentialsError) as caught:
        creds.require_live(("apiKey", "secret", "password"))          # okx
    assert "  - HEDGE_API_PASSPHRASE: set HEDGE_API_PASSPHRASE in the environment or [hedge] " \
           "passphrase in config/accounts.toml" in str(caught.value)
    with pytest.raises(CredentialsError) as caught:
        creds.require_live(("walletAddress", "privateKey"))           # hyperliquid
    text = str(caught.value)
    assert "HEDGE_WALLET_ADDRESS" in text and "[hedge] private_key" in text
    assert "HEDGE_API_KEY" not in text


def test_passphrase_wallet_and_key_are_secrets_from_env_or_file(tmp_path):
    path = accounts(tmp_path, '[hedge]\npassphrase = "file-PLANTED-pass"\n'
                              'wallet_address = "0xfile-wallet"\n')
    creds = load_credentials(path, FULL_ENV | {"HEDGE_PRIVATE_KEY": PLANTED + "pk"})
    assert creds.hedge_api_passphrase.reveal() == "file-PLANTED-pass"
    assert creds.hedge_wallet_address.reveal() == "0xfile-wallet"
    assert creds.hedge_private_key.reveal() == PLANTED + "pk"
    assert set(creds.hedge_secrets()) == {"apiKey", "secret", "password", "walletAddress",
                                          "privateKey"}
    creds.require_live(("apiKey", "secret", "password"))
    creds.require_live(("walletAddress", "privateKey"))
    shown = repr(creds) + str(creds)
    assert "PLANTED" not in shown
    assert "hedge_api_passphrase=<set from " in shown
