"""The auth token as LighterOrderClient mints it (`expiry:account:key:hex`, the real SDK
signer): the expiry is the lifetime after now on the venue's clock, the key is the client's
own even when another client signs for the same account, a refused mint names the signer's
words redacted, and the token is remembered by the redactor as a token."""
from __future__ import annotations

from decimal import Decimal

import pytest
from lighter.signer_client import create_api_key

from hedge.adapters.lighter import order_client
from hedge.adapters.lighter.order_client import LighterOrderClient
from hedge.infra.redact import REDACTED, Redactor
from hedge.infra.secret import Secret
from tests.lighter.conftest import API_KEY_INDEX

# Our clock pinned where the module reads it (only this module's name is patched); a whole
# second plus an offset of whole seconds, so the venue's "now" is exact.
WALL_S = 1_800_000_000.0


@pytest.fixture
async def minting(account, monkeypatch):
    """A client of the test account with a redactor of its own, our clock at WALL_S."""
    monkeypatch.setattr(order_client, "wall_s", lambda: WALL_S)
    redactor = Redactor()
    orders = LighterOrderClient(account.url, account.account_index, API_KEY_INDEX,
                                Secret(account.private_key), account.catalog, redactor=redactor)
    orders.test_redactor = redactor
    try:
        yield orders
    finally:
        await orders.close()


def fields(token: str) -> tuple[int, int, int]:
    expiry, account, key, signature = token.split(":")
    assert len(signature) >= 64 and int(signature, 16) >= 0
    return int(expiry), int(account), int(key)


async def test_the_expiry_is_the_lifetime_after_now_on_the_venues_clock(account, minting):
    minting.venue_clock_offset_ms = 2_000                    # Lighter's clock 2 s ahead of ours
    assert fields(await minting.mint_auth_token()) == (1_800_000_602, account.account_index,
                                                      API_KEY_INDEX)   # 10 minutes by default
    assert fields(await minting.mint_auth_token(120))[0] == 1_800_000_122
    minting.venue_clock_offset_ms = -3_000
    assert fields(await minting.mint_auth_token(120))[0] == 1_800_000_117


async def test_the_token_and_every_transaction_use_the_clients_own_key(venues, account):
    """The SDK's native signer answers an unnamed key with the last client made for the
    account: with a second client on key 9, our token and orders must still name key 4."""
    other = LighterOrderClient(account.url, account.account_index, 9,
                               Secret(create_api_key()[0]), account.catalog)
    try:
        assert fields(await account.orders.mint_auth_token())[2] == API_KEY_INDEX
        result = await account.orders.create_post_only(0, False, Decimal("0.01"), Decimal("1000"),
                                                       61)
        assert result.accepted, result.message       # key 9 is not registered: it would be refused
        assert fields(await other.mint_auth_token())[2] == 9
    finally:
        await other.close()


async def test_a_refused_mint_names_the_signers_words_redacted(account, minting):
    def refusing(*args, **kwargs):
        return None, f"bad key {account.private_key}"

    minting._client.create_auth_token_with_expiry = refusing
    with pytest.raises(RuntimeError) as exc:
        await minting.mint_auth_token()
    assert str(exc.value) == f"could not mint a Lighter auth token: bad key {REDACTED}"

    minting._client.create_auth_token_with_expiry = lambda *args, **kwargs: ("", None)
    with pytest.raises(RuntimeError, match="^could not mint a Lighter auth token"):
        await minting.mint_auth_token()                  # no error, but no token either


async def test_the_token_is_remembered_as_a_token_before_it_is_returned(minting):
    token = await minting.mint_auth_token()
    redactor = minting.test_redactor
    assert redactor.redact_text(f"auth={token}") == f"auth={REDACTED}"
    # Tokens go to the bounded list (one is minted every few minutes), never to the secrets
    # kept for the whole run.
    assert token in redactor._tokens and token not in redactor._fixed
