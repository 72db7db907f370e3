"""`alpha-arena wallet`: the wallet address (from the key; never the key) and balances."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `wallet` sub-command."""
    parser = subparsers.add_parser(
        "wallet",
        help="wallet address and balances (the key is never shown)",
        description="Derive the address from WALLET_PRIVATE_KEY and read POL and collateral "
        "balances of the funder (or the address) from a Polygon JSON-RPC endpoint.",
    )
    parser.add_argument("--config", help="path of config.yaml (default ./config.yaml if any)")
    parser.add_argument("--rpc-url", help="Polygon JSON-RPC URL (default ops.polygon_rpc_url)")
    parser.add_argument("--offline", action="store_true", help="show only the address")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=_wallet)


def _wallet(args: argparse.Namespace) -> int:
    import json

    from alpha_arena.ops.settings import ops_config
    from alpha_arena.ops.wallet import RpcBalanceSource, wallet_report

    cfg, _ = ops_config(args.config)
    url = None if args.offline else args.rpc_url or cfg.ops.polygon_rpc_url
    source = RpcBalanceSource(url, cfg.ops.collateral_address) if url else None
    report = wallet_report(cfg, source)
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"address:   {report['address'] or 'unknown'}")
    if report["funder"]:
        print(f"funder:    {report['funder']} (signature type {report['signature_type']})")
    balances = report["balances"]
    if isinstance(balances, dict):
        for name, amount in balances.items():
            print(f"{name + ':':10} {amount:,.6f}")
    else:
        print(f"balances:  {balances}")
    return 0
