"""The wallet: its address (derived from the key; the key itself never leaves this module)
and balances from a pluggable source. Offline, it shows the address and says why there is
no balance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from alpha_arena.errors import ApiError, ConfigError, SchemaError

if TYPE_CHECKING:
    import httpx

    from alpha_arena.config import Config

_BALANCE_OF = "0x70a08231"
"""ERC-20 `balanceOf(address)` selector."""


def address_from_key(key: str) -> str:
    """The checksummed address of a private key; a ConfigError (without the key) if invalid."""
    from eth_account import Account

    try:
        return str(Account.from_key(key).address)
    except Exception:  # any parse failure: never echo the key back
        raise ConfigError("WALLET_PRIVATE_KEY: not a valid private key") from None


class BalanceSource(Protocol):
    """Where balances come from: name -> amount."""

    def balances(self, address: str) -> dict[str, float]:
        """Balances of `address`; raise AlphaArenaError when they cannot be had."""


class RpcBalanceSource:
    """Polygon JSON-RPC: POL (gas) via eth_getBalance, collateral via ERC-20 balanceOf."""

    def __init__(self, rpc_url: str, token: str, client: httpx.Client | None = None) -> None:
        import httpx

        self.rpc_url = rpc_url
        self.token = token
        self._client = client or httpx.Client(timeout=10.0)

    def _call(self, method: str, params: list[Any]) -> int:
        import httpx

        payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        try:
            response = self._client.post(self.rpc_url, json=payload)
        except httpx.HTTPError as exc:
            raise ApiError("polygon rpc", f"request failed ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise ApiError("polygon rpc", "bad status", response.status_code)
        body = response.json()
        if not isinstance(body, dict) or "error" in body:
            raise ApiError(
                "polygon rpc",
                f"{method} failed: {body.get('error') if isinstance(body, dict) else body}",
            )
        result = body.get("result")
        if not isinstance(result, str) or not result.startswith("0x"):
            raise SchemaError("polygon rpc", "result", "a 0x hex quantity", result)
        return int(result, 16) if len(result) > 2 else 0

    def balances(self, address: str) -> dict[str, float]:
        """`{"POL": ..., "USDC": ...}` in whole units (18 and 6 decimals)."""
        pol = self._call("eth_getBalance", [address, "latest"])
        data = _BALANCE_OF + address.lower().removeprefix("0x").rjust(64, "0")
        usdc = self._call("eth_call", [{"to": self.token, "data": data}, "latest"])
        return {"POL": pol / 1e18, "USDC": usdc / 1e6}


def wallet_report(cfg: Config, source: BalanceSource | None) -> dict[str, Any]:
    """Address, funder and balances (or why they are missing) as a JSON-able mapping."""
    report: dict[str, Any] = {
        "address": None,
        "funder": cfg.live.funder,
        "signature_type": cfg.live.signature_type,
    }
    key = cfg.secrets.get("WALLET_PRIVATE_KEY")
    if key is None:
        report["balances"] = "unavailable: WALLET_PRIVATE_KEY is unset"
        return report
    report["address"] = address_from_key(key)
    if source is None:
        report["balances"] = "unavailable offline (give --rpc-url or ops.polygon_rpc_url)"
        return report
    holder = cfg.live.funder or report["address"]
    try:
        report["balances"] = source.balances(holder)
    except ApiError as exc:
        report["balances"] = f"unavailable: {exc}"
    return report
