"""Who signed an /exchange action. L1 actions are signed as a "phantom agent": the keccak of
msgpack(action) + nonce + vault flag (+ expiresAfter) is the `connectionId` of an `Agent` in the
"Exchange" domain (chain 1337, source "a" = mainnet). User-signed actions (approveBuilderFee) sign
their own fields in "HyperliquidSignTransaction". A signature over other bytes or for another
network recovers some other address."""
from __future__ import annotations

from typing import Any

import msgpack
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAINNET_SOURCE = "a"

L1_DOMAIN = {"name": "Exchange", "version": "1", "chainId": 1337,
             "verifyingContract": ZERO_ADDRESS}
AGENT_TYPES = {"Agent": [{"name": "source", "type": "string"},
                         {"name": "connectionId", "type": "bytes32"}]}

# User-signed actions the venue serves: primary type -> field list (order matters).
USER_SIGNED_TYPES = {
    "approveBuilderFee": ("HyperliquidTransaction:ApproveBuilderFee", [
        {"name": "hyperliquidChain", "type": "string"},
        {"name": "maxFeeRate", "type": "string"},
        {"name": "builder", "type": "address"},
        {"name": "nonce", "type": "uint64"}]),
}


class SignatureError(ValueError):
    """The signature is malformed or cannot be recovered."""


def action_hash(action: dict, vault_address: str | None, nonce: int,
                expires_after: int | None = None) -> bytes:
    data = msgpack.packb(action)
    data += nonce.to_bytes(8, "big")
    if vault_address is None:
        data += b"\x00"
    else:
        data += b"\x01" + bytes.fromhex(vault_address.removeprefix("0x"))
    if expires_after is not None:
        data += b"\x00" + expires_after.to_bytes(8, "big")
    return keccak(data)


def _recover(typed: Any, signature: Any) -> str:
    if not isinstance(signature, dict):
        raise SignatureError("signature must be an object {r, s, v}")
    try:
        r = int(str(signature["r"]), 16)
        s = int(str(signature["s"]), 16)
        v = int(signature["v"])
        return Account.recover_message(typed, vrs=(v, r, s)).lower()
    except (KeyError, TypeError, ValueError) as exc:
        raise SignatureError(f"bad signature: {exc}") from None
    except Exception as exc:  # eth_keys raises its own BadSignature family
        raise SignatureError(f"bad signature: {type(exc).__name__}") from None


def l1_signer(action: dict, nonce: int, vault_address: str | None,
              expires_after: int | None, signature: Any) -> str:
    """The lower-case address that signed an L1 action for mainnet."""
    connection_id = action_hash(action, vault_address, nonce, expires_after)
    typed = encode_typed_data(L1_DOMAIN, AGENT_TYPES,
                              {"source": MAINNET_SOURCE, "connectionId": connection_id})
    return _recover(typed, signature)


def user_signed_signer(action: dict, signature: Any) -> str:
    """The lower-case address that signed a user-signed action (e.g. approveBuilderFee)."""
    primary, fields = USER_SIGNED_TYPES[action["type"]]
    try:
        chain_id = int(str(action["signatureChainId"]), 16)
        message = {f["name"]: action[f["name"]] for f in fields}
    except (KeyError, ValueError) as exc:
        raise SignatureError(f"bad user-signed action: {exc}") from None
    domain = {"name": "HyperliquidSignTransaction", "version": "1", "chainId": chain_id,
              "verifyingContract": ZERO_ADDRESS}
    return _recover(encode_typed_data(domain, {primary: fields}, message), signature)
