"""A fake Polymarket (CLOB + Gamma) on 127.0.0.1 for tests: replays a Dataset, matches by SimBroker.

It speaks the wire shapes `py-clob-client-v2` and `alpha_arena.data.polymarket` use: L1 auth
(EIP-712 attestation, checked) to create/derive API keys, L2 HMAC auth (checked) on private
endpoints, `/order` whose EIP-712 signature must recover to the API key's address, open
orders, trades, cancels, balances, tick size, neg-risk, `/books`, `/midpoints`, `/time`
and Gamma `/markets`. Orders go to a `SimBroker` over the replayed dataset, so fills follow
the simulator's rules. The clock is a grid row: `set_row(k)`, or with `auto_step` every
`GET /time` after the first moves one row on. `fail_next(n, status)` answers the next n
requests with an error (429/5xx storms); `posted` keeps every order hash received.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd

from alpha_arena.brokers.signing import order_hash, order_signer
from alpha_arena.data import Dataset
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.timeutil import NS_PER_SECOND
from alpha_arena.types import Fill, Liquidity, Order, OrderStatus, OrderType, Side

CHAIN_ID = 137
TEST_KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
"""A throw-away private key (never funded anywhere) the tests trade with."""


def numeric_dataset(dataset: Dataset, base: int = 71_000_000) -> Dataset:
    """The dataset with CLOB-style numeric token ids (orders sign the token id as uint256)."""
    mapping = {tok: str(base + i) for i, tok in enumerate(dataset.tokens.index)}
    tokens = dataset.tokens.rename(index=mapping)
    tokens.index.name = "token_id"
    return Dataset(
        markets=dataset.markets,
        tokens=tokens,
        times=dataset.times,
        prices=dataset.prices,
        books=dataset.books,
        trades=None,
        source=dataset.source,
        synthetic=dataset.synthetic,
    )


def api_creds(address: str) -> dict[str, str]:
    """The API credentials the fake hands out for an address (deterministic)."""
    digest = hashlib.sha256(f"secret:{address.lower()}".encode()).digest()
    return {
        "apiKey": str(uuid.uuid5(uuid.NAMESPACE_URL, address.lower())),
        "secret": base64.urlsafe_b64encode(digest).decode(),
        "passphrase": hashlib.sha256(f"pass:{address.lower()}".encode()).hexdigest()[:32],
    }


class FakeHttpError(Exception):
    """Answer the current request with `status` and an error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Booked:
    order: Order
    payload: dict[str, Any]
    order_type: str
    created: int


@dataclass
class FakeState:
    """Everything the fake exchange knows; guarded by `lock`."""

    dataset: Dataset
    sim: SimBroker
    row: int = 0
    auto_step: bool = False
    stepped: bool = False
    failures: deque = field(default_factory=deque)
    path_failures: dict[str, deque] = field(default_factory=dict)
    posted: list[str] = field(default_factory=list)
    orders: dict[str, _Booked] = field(default_factory=dict)
    trades: list[dict[str, Any]] = field(default_factory=list)
    hidden_books: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    address: str = ""
    gamma_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


class FakeExchange:
    """The fake venue server; use as a context manager or call `start()` / `stop()`."""

    def __init__(
        self, dataset: Dataset, cash: float = 10_000.0, config: SimConfig | None = None
    ) -> None:
        sim = SimBroker(dataset, cash, config or SimConfig(latency_ms=0.0))
        self.state = FakeState(dataset, sim)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL (serves both the CLOB and the Gamma paths)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeExchange:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeExchange:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- test controls ------------------------------------------------------------------------

    def set_row(self, k: int) -> None:
        """Move the clock to grid row k (the venue processes everything up to it)."""
        with self.state.lock:
            self.state.row = k
            _advance(self.state)

    def fail_next(self, n: int, status: int = 429, path: str | None = None, after: int = 0) -> None:
        """Answer the next n requests (to `path` only, if given; after letting `after` of
        them through) with `status`."""
        with self.state.lock:
            if path is None:
                self.state.failures.extend([status] * n)
            else:
                queue = self.state.path_failures.setdefault(path, deque())
                queue.extend([None] * after + [status] * n)

    def hide_books(self, token_ids: set[str]) -> None:
        """Stop serving books of these tokens (a stale feed)."""
        with self.state.lock:
            self.state.hidden_books = set(token_ids)

    @property
    def posted(self) -> list[str]:
        """Hashes of every order POSTed, in arrival order (duplicates included)."""
        with self.state.lock:
            return list(self.state.posted)

    def accepted(self) -> list[Order]:
        """Orders the venue accepted, in arrival order."""
        with self.state.lock:
            return [b.order for b in self.state.orders.values()]


# ----- the venue's logic --------------------------------------------------------------------------


def _now(state: FakeState) -> int:
    return int(state.dataset.times[state.row])


def _advance(state: FakeState) -> None:
    events = state.sim.advance(_now(state))
    for fill in events.fills:
        state.trades.append(_trade_json(state, fill))


def _token_meta(state: FakeState, token: str) -> tuple[str, str, bool, float]:
    data = state.dataset
    col = data.column(token)
    market = data.markets.index[data.token_market[col]]
    return (
        str(market),
        str(data.tokens["outcome"].iloc[col]),
        bool(data.markets["neg_risk"].iloc[data.token_market[col]]),
        float(data.tick[col]),
    )


def _trade_json(state: FakeState, fill: Fill) -> dict[str, Any]:
    market, outcome, _, _ = _token_meta(state, fill.token_id)
    n = len(state.trades) + 1
    common = {
        "id": f"trade-{n}",
        "market": market,
        "asset_id": fill.token_id,
        "fee_rate_bps": "0",
        "status": "CONFIRMED",
        "match_time": str(int(fill.timestamp.timestamp())),
        "last_update": str(int(fill.timestamp.timestamp())),
        "outcome": outcome,
        "owner": api_creds(state.address)["apiKey"],
        "maker_address": state.address,
        "transaction_hash": "0x" + hashlib.sha256(f"tx{n}".encode()).hexdigest(),
        "bucket_index": 0,
        "type": "TRADE",
    }
    if fill.liquidity is Liquidity.TAKER:
        return {
            **common,
            "taker_order_id": fill.order_id,
            "side": fill.side.value,
            "size": repr(fill.size),
            "price": repr(fill.price),
            "trader_side": "TAKER",
            "maker_orders": [],
        }
    other = Side.SELL if fill.side is Side.BUY else Side.BUY
    return {
        **common,
        "taker_order_id": "0x" + "ab" * 32,
        "side": other.value,
        "size": repr(fill.size),
        "price": repr(fill.price),
        "trader_side": "MAKER",
        "maker_orders": [
            {
                "order_id": fill.order_id,
                "owner": common["owner"],
                "maker_address": state.address,
                "matched_amount": repr(fill.size),
                "price": repr(fill.price),
                "fee_rate_bps": "0",
                "asset_id": fill.token_id,
                "outcome": outcome,
                "side": fill.side.value,
            }
        ],
    }


def _order_json(state: FakeState, digest: str, booked: _Booked) -> dict[str, Any]:
    order = booked.order
    market, outcome, _, _ = _token_meta(state, order.token_id)
    status = {
        OrderStatus.OPEN: "LIVE",
        OrderStatus.PENDING: "LIVE",
        OrderStatus.FILLED: "MATCHED",
    }.get(order.status, "CANCELED")
    return {
        "id": digest,
        "status": status,
        "owner": api_creds(state.address)["apiKey"],
        "maker_address": state.address,
        "market": market,
        "asset_id": order.token_id,
        "side": order.side.value,
        "original_size": repr(order.size if order.size is not None else order.filled_size),
        "size_matched": repr(order.filled_size),
        "price": repr(order.price),
        "outcome": outcome,
        "expiration": "0",
        "order_type": booked.order_type,
        "associate_trades": [],
        "created_at": booked.created,
    }


def _decode_order(state: FakeState, body: dict[str, Any]) -> tuple[Order, str]:
    signed = body["order"]
    token = str(signed["tokenId"])
    try:
        _, _, neg_risk, tick = _token_meta(state, token)
    except KeyError:
        raise FakeHttpError(400, f"unknown token {token}") from None
    if signed["signer"].lower() != state.address.lower():
        raise FakeHttpError(401, "order signer is not the API key's address")
    if order_signer(signed, CHAIN_ID, neg_risk).lower() != signed["signer"].lower():
        raise FakeHttpError(400, "invalid order signature")
    digest = order_hash(signed, CHAIN_ID, neg_risk)
    maker = int(signed["makerAmount"]) / 1e6
    taker = int(signed["takerAmount"]) / 1e6
    order_type = OrderType(body["orderType"])
    decimals = max(0, -int(np.floor(np.log10(tick) + 1e-9)))
    side = Side(signed["side"])
    usdc, shares = (maker, taker) if side is Side.BUY else (taker, maker)
    price = round(usdc / shares, decimals)
    if order_type in (OrderType.FOK, OrderType.FAK) and side is Side.BUY:
        order = Order(token, side, notional=usdc, price=price, order_type=order_type)
    else:
        order = Order(token, side, size=shares, price=price, order_type=order_type)
    order.client_id = digest
    return order, digest


def _post_order(state: FakeState, body: dict[str, Any]) -> dict[str, Any]:
    order, digest = _decode_order(state, body)
    state.posted.append(digest)
    if digest in state.orders:
        raise FakeHttpError(400, f"order {digest} already exists")
    state.sim.submit(order, _now(state))
    if order.status is OrderStatus.REJECTED:
        raise FakeHttpError(400, order.reason)
    state.orders[digest] = _Booked(order, body["order"], body["orderType"], _now(state))
    _advance(state)
    if order.status is OrderStatus.FILLED:
        status = "matched"
    elif order.status is OrderStatus.OPEN:
        status = "live"
    else:
        status = "unmatched"
    hashes = ["0x" + hashlib.sha256(digest.encode()).hexdigest()] if order.filled_size else []
    return {
        "success": True,
        "errorMsg": "",
        "orderID": digest,
        "status": status,
        "transactionsHashes": hashes,
        "tradeIDs": [],
    }


def _cancel(state: FakeState, digests: list[str]) -> dict[str, Any]:
    cancelled, not_cancelled = [], {}
    for digest in digests:
        booked = state.orders.get(digest)
        if booked is None or not booked.order.is_active:
            not_cancelled[digest] = "order not found or not open"
            continue
        state.sim.cancel(digest, _now(state))
        cancelled.append(digest)
    return {"canceled": cancelled, "not_canceled": not_cancelled}


def _book_json(state: FakeState, token: str) -> dict[str, Any] | None:
    books = state.dataset.books
    if books is None or token in state.hidden_books:
        return None
    row = books.index_at(_now(state))
    if row < 0:
        return None
    col = state.dataset.column(token)
    market, _, neg_risk, tick = _token_meta(state, token)

    def levels(px: np.ndarray, sz: np.ndarray) -> list[dict[str, str]]:
        ok = (sz > 0) & ~np.isnan(px)
        return [{"price": f"{p:g}", "size": f"{s:g}"} for p, s in zip(px[ok], sz[ok], strict=True)]

    return {
        "market": market,
        "asset_id": token,
        "timestamp": str(int(books.times[row]) // 1_000_000),
        "hash": "0x" + "00" * 20,
        "bids": levels(books.bid_px[row, col], books.bid_sz[row, col])[::-1],
        "asks": levels(books.ask_px[row, col], books.ask_sz[row, col])[::-1],
        "min_order_size": f"{state.dataset.min_size[col]:g}",
        "tick_size": f"{tick:g}",
        "neg_risk": neg_risk,
        "last_trade_price": "",
    }


def _gamma_market(state: FakeState, cid: str) -> dict[str, Any]:
    data = state.dataset
    row = data.markets.loc[cid]
    toks = data.tokens[data.tokens["market_id"] == cid].sort_values("is_yes", ascending=False)

    def iso(value: Any) -> str | None:
        return None if pd.isna(value) else value.isoformat().replace("+00:00", "Z")

    return {
        "id": cid,
        "conditionId": cid,
        "question": row["question"],
        "slug": row["slug"],
        "category": row["category"],
        "clobTokenIds": json.dumps(list(toks.index)),
        "outcomes": json.dumps(list(toks["outcome"])),
        "negRisk": bool(row["neg_risk"]),
        "orderPriceMinTickSize": float(row["tick_size"]),
        "orderMinSize": float(row["min_order_size"]),
        "startDate": iso(row["start_time"]),
        "endDate": iso(row["end_time"]),
        "closed": False,
        "active": True,
        "description": row["description"],
        **_gamma_resolution(state, cid),
        **state.gamma_fields.get(cid, {}),
    }


# ----- HTTP ----------------------------------------------------------------------------------


def _handler(state: FakeState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            query = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(url.query).items()}
            try:
                with state.lock:
                    state.requests.append(f"{method} {url.path}")
                    targeted = state.path_failures.get(url.path)
                    status = targeted.popleft() if targeted else None
                    if state.failures:
                        status = state.failures.popleft()
                    if status is not None:
                        raise FakeHttpError(status, "injected failure")
                    answer = _route(state, method, url.path, query, raw, self.headers)
                self._send(200, answer)
            except FakeHttpError as exc:
                self._send(exc.status, {"error": str(exc)})

        def _send(self, status: int, answer: Any) -> None:
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _check_l1(state: FakeState, headers: Any) -> str:
    from eth_account import Account
    from eth_utils import keccak
    from py_clob_client_v2.signing.eip712 import MSG_TO_SIGN, get_clob_auth_domain
    from py_clob_client_v2.signing.model import ClobAuth

    address = headers.get("POLY_ADDRESS", "")
    message = ClobAuth(
        address=address,
        timestamp=headers.get("POLY_TIMESTAMP", ""),
        nonce=int(headers.get("POLY_NONCE", "0")),
        message=MSG_TO_SIGN,
    )
    digest = keccak(message.signable_bytes(get_clob_auth_domain(CHAIN_ID)))
    try:
        signer = Account._recover_hash(digest, signature=headers.get("POLY_SIGNATURE", ""))
    except Exception:
        raise FakeHttpError(401, "bad L1 signature") from None
    if signer.lower() != address.lower():
        raise FakeHttpError(401, "L1 signature does not match the address")
    state.address = address
    return address


def _check_l2(state: FakeState, method: str, path: str, raw: str, headers: Any) -> None:
    from py_clob_client_v2.signing.hmac import build_hmac_signature

    creds = api_creds(state.address) if state.address else None
    if creds is None or headers.get("POLY_API_KEY") != creds["apiKey"]:
        raise FakeHttpError(401, "unknown API key")
    if headers.get("POLY_PASSPHRASE") != creds["passphrase"]:
        raise FakeHttpError(401, "bad passphrase")
    expected = build_hmac_signature(
        creds["secret"], headers.get("POLY_TIMESTAMP", ""), method, path, raw or None
    )
    if headers.get("POLY_SIGNATURE") != expected:
        raise FakeHttpError(401, "bad L2 signature")


def _route(
    state: FakeState, method: str, path: str, query: dict[str, Any], raw: str, headers: Any
) -> Any:
    body = json.loads(raw) if raw else None
    data = state.dataset
    public = {
        ("GET", "/time"): lambda: _time(state),
        ("GET", "/version"): lambda: {"version": 2},
        ("GET", "/ok"): lambda: "OK",
        ("GET", "/tick-size"): lambda: {
            "minimum_tick_size": _token_meta(state, query["token_id"])[3]
        },
        ("GET", "/neg-risk"): lambda: {"neg_risk": _token_meta(state, query["token_id"])[2]},
        ("GET", "/fee-rate"): lambda: {"base_fee": 0},
        ("POST", "/books"): lambda: [
            b for item in body if (b := _book_json(state, str(item["token_id"]))) is not None
        ],
        ("GET", "/book"): lambda: _book_json(state, query["token_id"]) or {},
        ("POST", "/midpoints"): lambda: _midpoints(state, [str(i["token_id"]) for i in body]),
        ("GET", "/markets"): lambda: _gamma_markets(state, query),
    }
    if (method, path) in public:
        return public[(method, path)]()
    if path.startswith("/markets-by-token/"):
        token = path.rsplit("/", 1)[1]
        return {"condition_id": _token_meta(state, token)[0]}
    if path.startswith("/clob-markets/"):
        cid = path.rsplit("/", 1)[1]
        toks = data.tokens[data.tokens["market_id"] == cid]
        row = data.markets.loc[cid]
        return {
            "t": [{"t": t, "o": o} for t, o in zip(toks.index, toks["outcome"], strict=True)],
            "mts": float(row["tick_size"]),
            "nr": bool(row["neg_risk"]),
            "fd": {"r": 0.0, "e": 1.0},
        }
    if path in ("/auth/api-key", "/auth/derive-api-key"):
        return api_creds(_check_l1(state, headers))
    _check_l2(state, method, path, raw, headers)
    if (method, path) == ("POST", "/order"):
        return _post_order(state, body)
    if (method, path) == ("GET", "/data/orders"):
        live = [_order_json(state, d, b) for d, b in state.orders.items() if b.order.is_active]
        return {"data": live, "next_cursor": "LTE=", "limit": 500, "count": len(live)}
    if method == "GET" and path.startswith("/data/order/"):
        digest = path.rsplit("/", 1)[1]
        booked = state.orders.get(digest)
        return _order_json(state, digest, booked) if booked else None
    if (method, path) == ("GET", "/data/trades"):
        wanted = query.get("id")
        after = int(query.get("after", 0))
        trades = [
            t
            for t in state.trades
            if (wanted is None or t["id"] == wanted) and int(t["match_time"]) > after
        ]
        return {"data": trades, "next_cursor": "LTE=", "limit": 500, "count": len(trades)}
    if (method, path) == ("DELETE", "/order"):
        return _cancel(state, [body["orderID"]])
    if (method, path) == ("DELETE", "/orders"):
        return _cancel(state, list(body))
    if (method, path) == ("DELETE", "/cancel-all"):
        return _cancel(state, [d for d, b in state.orders.items() if b.order.is_active])
    if (method, path) == ("GET", "/balance-allowance"):
        return _balance(state, query)
    raise FakeHttpError(404, f"no route {method} {path}")


def _time(state: FakeState) -> int:
    if state.auto_step and state.stepped and state.row < state.dataset.n_times - 1:
        state.row += 1
        _advance(state)
    state.stepped = True
    return _now(state) // NS_PER_SECOND


def _midpoints(state: FakeState, tokens: list[str]) -> dict[str, str]:
    data = state.dataset
    out = {}
    for token in tokens:
        price = data.prices[state.row, data.column(token)]
        if not np.isnan(price):
            out[token] = repr(float(price))
    return out


def _gamma_markets(state: FakeState, query: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = query.get("condition_ids")
    if isinstance(wanted, str):
        wanted = [wanted]
    ids = [c for c in state.dataset.markets.index if wanted is None or c in wanted]
    offset = int(query.get("offset", 0))
    limit = int(query.get("limit", 100))
    found = [_gamma_market(state, c) for c in ids]
    if "closed" in query:
        found = [m for m in found if m["closed"] == (query["closed"] == "true")]
    return found[offset : offset + limit]


def _balance(state: FakeState, query: dict[str, Any]) -> dict[str, Any]:
    portfolio = state.sim.portfolio
    if query.get("asset_type") == "CONDITIONAL":
        amount = float(portfolio.shares[state.dataset.column(query["token_id"])])
    else:
        amount = float(portfolio.cash)
    return {"balance": str(round(amount * 1e6)), "allowances": {}}


def _gamma_resolution(state: FakeState, cid: str) -> dict[str, Any]:
    """Gamma's resolution fields of a replayed market: closed and resolved (UMA) once the
    replay clock reaches the dataset's `resolved_at`, with `outcomePrices` 1/0 or 0.5/0.5."""
    row = state.dataset.markets.loc[cid]
    when = row["resolved_at"]
    if row["resolution_state"] == "unresolved" or pd.isna(when):
        return {}
    if _now(state) < when.value:
        return {}
    toks = state.dataset.tokens[state.dataset.tokens["market_id"] == cid]
    toks = toks.sort_values("is_yes", ascending=False)
    if row["resolution_state"] == "void":
        prices = ["0.5", "0.5"]
    else:
        prices = ["1" if o == row["winning_outcome"] else "0" for o in toks["outcome"]]
    return {
        "closed": True,
        "active": False,
        "umaResolutionStatus": "resolved",
        "outcomePrices": json.dumps(prices),
        "closedTime": when.isoformat().replace("+00:00", "Z"),
    }


def set_gamma_fields(fx: FakeExchange, condition_id: str, fields: dict[str, Any]) -> None:
    """Override Gamma fields of one market (malformed payloads, early closes)."""
    with fx.state.lock:
        fx.state.gamma_fields[condition_id] = dict(fields)


# ----- the market WebSocket ------------------------------------------------------------------


def _best(levels: list[dict[str, str]], empty: str) -> str:
    """The best price of a REST-ordered side (worst level first, best last)."""
    return levels[-1]["price"] if levels else empty


def _level_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, str]]:
    """`price_change` entries turning book `before` into `after` (size "0" removes a level)."""
    changes = []
    for side, name in (("BUY", "bids"), ("SELL", "asks")):
        old = {lv["price"]: lv["size"] for lv in before[name]}
        new = {lv["price"]: lv["size"] for lv in after[name]}
        for price in sorted(set(old) | set(new)):
            if old.get(price) != new.get(price):
                changes.append({"price": price, "size": new.get(price, "0"), "side": side})
    return changes


class FakeMarketStream:
    """The CLOB market channel (`/ws/market`) on 127.0.0.1 over a `FakeExchange`'s replay.

    A subscriber (`{"assets_ids": [...], "type": "market"}`) gets a JSON array of `book`
    snapshots, then `price_change` messages (the post-2025-09 shape: one per market with a
    `price_changes` list) bringing each book to the exchange's current row. Books are
    brought up to date whenever a client sends "PING" (before the "PONG") or `push()` is
    called. Controls: `drop()` closes every connection, `refuse_next(n)` closes the next
    n connections before they get anything, `silent` stops every message (PONGs
    included), `send_raw(text)` sends any text (malformed messages).
    """

    def __init__(self, exchange: FakeExchange) -> None:
        self.state = exchange.state
        self.subscriptions: list[Any] = []
        self.silent = False
        self.pings = 0
        self._refuse = 0
        self._conns: dict[Any, tuple[list[str], dict[str, dict[str, Any]]]] = {}
        self._loop: Any = None
        self._stopped: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        """The channel's address."""
        return f"ws://127.0.0.1:{self.port}/ws/market"

    def start(self) -> FakeMarketStream:
        """Serve in a background thread."""
        self._thread.start()
        self._ready.wait(5.0)
        return self

    def stop(self) -> None:
        """Close every connection and stop serving."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(5.0)

    def __enter__(self) -> FakeMarketStream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- test controls ------------------------------------------------------------------------

    def _call(self, make: Any) -> Any:
        import asyncio

        return asyncio.run_coroutine_threadsafe(make(), self._loop).result(5.0)

    def drop(self) -> None:
        """Close every open connection (the client should reconnect)."""

        async def close_all() -> None:
            for conn in list(self._conns):
                await conn.close(1012, "service restart")

        self._call(close_all)

    def refuse_next(self, n: int) -> None:
        """Close the next n connections at once, before any message."""
        self._refuse += n

    def send_raw(self, text: str) -> None:
        """Send `text` as is to every subscriber."""

        async def send() -> None:
            for conn in list(self._conns):
                await conn.send(text)

        self._call(send)

    def push(self) -> None:
        """Bring every subscriber's books up to the exchange's current row now."""

        async def push_all() -> None:
            for conn in list(self._conns):
                await self._catch_up(conn)

        self._call(push_all)

    @property
    def connections(self) -> int:
        """Open subscriber connections."""
        return len(self._conns)

    # ----- serving ------------------------------------------------------------------------------

    def _run(self) -> None:
        import asyncio

        asyncio.run(self._main())

    async def _main(self) -> None:
        import asyncio

        from websockets.asyncio.server import serve

        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        async with serve(self._handler, "127.0.0.1", 0) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stopped.wait()
            for conn in list(self._conns):
                await conn.close()

    async def _handler(self, conn: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        if self._refuse > 0:
            self._refuse -= 1
            await conn.close(1013, "try again later")
            return
        try:
            request = json.loads(await conn.recv())
            self.subscriptions.append(request)
            if request.get("type") != "market" or not isinstance(request.get("assets_ids"), list):
                await conn.close(1008, "expected {assets_ids: [...], type: market}")
                return
            self._conns[conn] = ([str(t) for t in request["assets_ids"]], {})
            if not self.silent:
                await self._catch_up(conn)
            async for message in conn:
                if message == "PING":
                    self.pings += 1
                    if not self.silent:
                        await self._catch_up(conn)
                        await conn.send("PONG")
        except ConnectionClosed:
            pass
        finally:
            self._conns.pop(conn, None)

    async def _catch_up(self, conn: Any) -> None:
        if self.silent or conn not in self._conns:
            return
        tokens, sent = self._conns[conn]
        with self.state.lock:
            books = {t: _book_json(self.state, t) for t in tokens}
        snapshots: list[dict[str, Any]] = []
        by_market: dict[str, dict[str, Any]] = {}
        for token, book in books.items():
            if book is None:
                continue
            before = sent.get(token)
            sent[token] = book
            if before is None:
                keys = ("market", "asset_id", "timestamp", "hash", "bids", "asks")
                snapshots.append({"event_type": "book", **{k: book[k] for k in keys}})
                continue
            if book["timestamp"] == before["timestamp"]:
                continue
            changes = _level_changes(before, book)
            if not changes:
                continue
            message = by_market.setdefault(
                book["market"],
                {"event_type": "price_change", "market": book["market"],
                 "timestamp": book["timestamp"], "price_changes": []},
            )  # fmt: skip
            best = {"best_bid": _best(book["bids"], "0"), "best_ask": _best(book["asks"], "1")}
            for change in changes:
                message["price_changes"].append(
                    {"asset_id": token, **change, "hash": book["hash"], **best}
                )
        if snapshots:
            await conn.send(json.dumps(snapshots))
        for message in by_market.values():
            await conn.send(json.dumps(message))


__all__ = [
    "CHAIN_ID",
    "TEST_KEY",
    "FakeExchange",
    "FakeMarketStream",
    "api_creds",
    "numeric_dataset",
]
