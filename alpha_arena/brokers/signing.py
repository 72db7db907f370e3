"""EIP-712 hashes of Polymarket CTF Exchange V2 orders, and the address that signed one.

The exchange names an order by its EIP-712 hash, so the hash is known before the order is
sent: the order journal records it first, and a restart can ask the exchange whether that
very order arrived. The fake exchange in the tests uses the same functions to check
signatures. Needs the `live` extra (py-clob-client-v2 brings eth-account).
"""

from __future__ import annotations

from typing import Any

ORDER_FIELDS = (
    "salt",
    "maker",
    "signer",
    "tokenId",
    "makerAmount",
    "takerAmount",
    "side",
    "signatureType",
    "timestamp",
    "metadata",
    "builder",
)
"""The signed fields of a V2 order, in the order of the EIP-712 struct."""


def exchange_address(chain_id: int, neg_risk: bool) -> str:
    """The V2 exchange contract that verifies orders of a (neg-risk) market on `chain_id`."""
    from py_clob_client_v2.config import get_contract_config

    config = get_contract_config(chain_id)
    return config.neg_risk_exchange_v2 if neg_risk else config.exchange_v2


def typed_data(order: dict[str, Any], chain_id: int, neg_risk: bool) -> dict[str, Any]:
    """The EIP-712 typed data of an order as posted (`order_to_json_v2(...)["order"]`)."""
    from py_clob_client_v2.order_utils.model.ctf_exchange_v2_typed_data import (
        CTF_EXCHANGE_V2_DOMAIN_NAME,
        CTF_EXCHANGE_V2_DOMAIN_VERSION,
        CTF_EXCHANGE_V2_ORDER_STRUCT,
        EIP712_DOMAIN,
    )

    side = order["side"]
    message = {name: order[name] for name in ORDER_FIELDS}
    for name in ("salt", "tokenId", "makerAmount", "takerAmount", "signatureType", "timestamp"):
        message[name] = int(message[name])
    message["side"] = side if isinstance(side, int) else (0 if side == "BUY" else 1)
    for name in ("metadata", "builder"):
        message[name] = bytes.fromhex(str(message[name]).removeprefix("0x").zfill(64))
    return {
        "primaryType": "Order",
        "types": {"EIP712Domain": EIP712_DOMAIN, "Order": CTF_EXCHANGE_V2_ORDER_STRUCT},
        "domain": {
            "name": CTF_EXCHANGE_V2_DOMAIN_NAME,
            "version": CTF_EXCHANGE_V2_DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": exchange_address(chain_id, neg_risk),
        },
        "message": message,
    }


def order_hash(order: dict[str, Any], chain_id: int, neg_risk: bool) -> str:
    """The order's EIP-712 hash ("0x" + 64 hex digits): the exchange's order id."""
    from eth_account.messages import encode_typed_data
    from eth_utils import keccak

    encoded = encode_typed_data(full_message=typed_data(order, chain_id, neg_risk))
    return "0x" + keccak(b"\x19" + encoded.version + encoded.header + encoded.body).hex()


def order_signer(order: dict[str, Any], chain_id: int, neg_risk: bool) -> str:
    """The address whose key produced the order's ECDSA signature (checksummed)."""
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    encoded = encode_typed_data(full_message=typed_data(order, chain_id, neg_risk))
    return Account.recover_message(encoded, signature=order["signature"])
