"""`ClobBroker`: real orders on Polymarket's CLOB through `py-clob-client-v2`.

- Credentials: L1 (the private key signs an EIP-712 attestation) creates or derives the
  L2 API key; the signature type (0 EOA, 1 proxy, 2 Gnosis safe) and funder come from config.
- Venue rules are checked before anything is signed: the tick, the [tick, 1 - tick] band,
  sizes rounded down to the venue's 0.01 shares, the minimum order size for resting orders
  and the 1 USDC minimum for marketable ones. A failed check is a REJECTED order, not a call.
- Every order is signed first, its EIP-712 hash (the exchange's order id) journaled, and
  only then posted (`OrderJournal`). A restart (`reconcile`) asks the exchange about the
  uncertain hashes, adopts its open orders, and takes cash and positions from its balances
  (one call per distinct token, `BALANCE_WORKERS` in flight, none repeated by a retry).
- `advance` books new trades (taker and maker side) as fills, once each, and closes orders
  the exchange no longer lists. Secrets never appear in errors: every message is redacted.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from alpha_arena.brokers.journal import PREPARED, REJECTED, SENT, UNSENT, OrderJournal
from alpha_arena.brokers.signing import order_hash
from alpha_arena.data import Dataset
from alpha_arena.errors import ApiError, ValidationError
from alpha_arena.fees import fee_rates_for, pm_buy_fee_shares, pm_taker_fee
from alpha_arena.sim.portfolio import Portfolio
from alpha_arena.timeutil import NS_PER_SECOND, from_ns
from alpha_arena.types import (
    BrokerEvents,
    Fill,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    Side,
    floor_shares,
    on_tick,
)

log = logging.getLogger(__name__)

POLYGON = 137
MIN_MARKETABLE_USDC = 1.0
"""The venue's minimum value of a marketable (FOK/FAK) order."""
BALANCE_WORKERS = 8
"""Balance requests in flight at once during `reconcile` (the API takes one token per call)."""
TRADES_OVERLAP_S = 3_600
"""How far before the newest trade seen the next trades request starts."""
_EPS = 1e-9


@dataclass(frozen=True)
class ClobSettings:
    """Where and how to trade: host, chain, signature type (0 EOA, 1 proxy, 2 safe), funder."""

    host: str = "https://clob.polymarket.com"
    chain_id: int = POLYGON
    signature_type: int = 0
    funder: str | None = None

    def __post_init__(self) -> None:
        if self.signature_type not in (0, 1, 2):
            raise ValidationError(
                "signature_type", "0 (EOA), 1 (proxy) or 2 (Gnosis safe)", self.signature_type
            )


class Redactor:
    """Replaces every known secret in a text by `***`."""

    def __init__(self) -> None:
        self._secrets: list[str] = []

    def add(self, *secrets: str | None) -> None:
        """Register more secrets (empty ones are ignored)."""
        for secret in secrets:
            if secret:
                self._secrets.append(secret)
                self._secrets.append(secret.removeprefix("0x"))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


@dataclass(slots=True, eq=False)
class _Tracked:
    order: Order
    order_hash: str
    col: int


class ClobBroker:
    """The engine's `Broker` on the live CLOB, over the tokens of `dataset()`.

    `dataset` returns the data known now (the live feed's `dataset`); its token set must not
    change. `client` may be given (tests inject one); otherwise one is built from the key.
    """

    def __init__(
        self,
        dataset: Callable[[], Dataset],
        private_key: str,
        journal: OrderJournal,
        settings: ClobSettings | None = None,
        *,
        client: Any | None = None,
        balance_workers: int = BALANCE_WORKERS,
    ) -> None:
        ok = isinstance(balance_workers, int) and not isinstance(balance_workers, bool)
        if not ok or balance_workers < 1:
            raise ValidationError("balance_workers", "an int >= 1", balance_workers)
        self.balance_workers = balance_workers
        self._balances: dict[str, float] = {}
        self.settings = settings or ClobSettings()
        self._dataset = dataset
        self.journal = journal
        self.redact = Redactor()
        self.redact.add(private_key)
        data = dataset()
        self._tokens = tuple(data.token_ids)
        self._portfolio = Portfolio(data, 0.0)
        self._fee_rate = fee_rates_for(data.markets)[data.token_market]
        self._neg_risk = data.markets["neg_risk"].to_numpy(dtype=bool)[data.token_market]
        self._active: dict[str, _Tracked] = {}
        self._by_hash: dict[str, _Tracked] = {}
        self._events = BrokerEvents()
        self.client = client if client is not None else self._connect(private_key)
        self.reconcile_report: dict[str, int] = {}
        self.trades_after: int | None = None
        """Trades are read from this exchange time on (unix s): an hour before the newest
        trade seen, so overlap is re-read (and skipped by id) and old history is not."""

    # ----- connection -------------------------------------------------------------------------

    def _connect(self, private_key: str) -> Any:
        from py_clob_client_v2 import ClobClient

        s = self.settings
        try:
            client = ClobClient(
                s.host, s.chain_id, key=private_key, signature_type=s.signature_type,
                funder=s.funder,
            )  # fmt: skip
        except Exception as exc:
            raise ApiError("clob", self.redact(f"bad key or settings: {exc}")) from None
        creds = self._call("POST /auth/api-key", client.create_or_derive_api_key)
        self.redact.add(creds.api_key, creds.api_secret, creds.api_passphrase)
        client.set_api_creds(creds)
        return client

    def _call(self, endpoint: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Call the client; any failure becomes an ApiError with secrets redacted."""
        try:
            return fn(*args)
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            detail = getattr(exc, "error_msg", None) or getattr(exc, "msg", None) or str(exc)
            raise ApiError(endpoint, self.redact(str(detail)), status) from None

    # ----- the Broker contract ----------------------------------------------------------------

    @property
    def portfolio(self) -> Portfolio:
        """The account as this process knows it (balances at start, then fills)."""
        return self._portfolio

    def open_orders(self) -> list[Order]:
        """Orders sent and not known to be done."""
        return [t.order for t in self._active.values()]

    def submit(self, order: Order, now_ns: int) -> Order:
        """Check, sign, journal, then post one order; REJECTED with a reason if it cannot go."""
        order.client_id = order.client_id or f"clob-{uuid.uuid4().hex[:16]}"
        if order.client_id in self._active:
            return _reject(order, f"duplicate client id {order.client_id!r}")
        if order.token_id not in self._tokens:
            return _reject(order, f"unknown token {order.token_id!r}")
        col = self._dataset().column(order.token_id)
        reason = self._venue_check(order, col)
        if reason:
            return _reject(order, reason)
        try:
            signed = self._call("sign order", self._sign, order, col)
        except ApiError as exc:
            return _reject(order, f"not sent: {exc}")
        payload = _order_json(signed)
        digest = order_hash(payload, self.settings.chain_id, bool(self._neg_risk[col]))
        self.journal.prepare(
            order.client_id, digest, token_id=order.token_id, side=order.side.value,
            size=order.size, price=order.price, order_type=order.order_type.value,
            signed=payload, decided_ns=int(now_ns),
        )  # fmt: skip
        tracked = _Tracked(order, digest, col)
        try:
            answer = self._call("POST /order", self._post, signed, order.order_type.value)
        except ApiError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                self.journal.settle(order.client_id, REJECTED, reason=str(exc))
                return _reject(order, f"exchange: {exc}")
            log.warning("order %s: no answer from the exchange (%s)", order.client_id, exc)
            order.status = OrderStatus.PENDING
            self._track(tracked)
            return order
        self._accept(tracked, answer)
        return order

    def cancel(self, client_id: str, now_ns: int) -> bool:
        """Cancel one open order at the exchange."""
        tracked = self._active.get(client_id)
        if tracked is None:
            return False
        self._cancel([tracked])
        return True

    def cancel_all(self, now_ns: int, token_id: str | None = None) -> int:
        """Cancel every open order (of one token if given); with no token also cancels
        orders this process does not know (`DELETE /cancel-all`)."""
        chosen = [
            t for t in self._active.values() if token_id is None or t.order.token_id == token_id
        ]
        if token_id is None:
            self._call("DELETE /cancel-all", self.client.cancel_all)
            for tracked in chosen:
                self._close(tracked, OrderStatus.CANCELLED, "cancelled")
        elif chosen:
            self._cancel(chosen)
        return len(chosen)

    def advance(self, now_ns: int) -> BrokerEvents:
        """Book new trades as fills, settle orders of uncertain fate, close finished ones."""
        events, self._events = self._events, BrokerEvents()
        self._resolve_uncertain()
        for trade in self.trades():
            self._apply_trade(trade, events)
        if self._active:
            live = {o["id"] for o in self._call("GET /data/orders", self.client.get_open_orders)}
            for tracked in list(self._active.values()):
                if tracked.order_hash in live or tracked.order.status is OrderStatus.PENDING:
                    continue
                found = self._lookup(tracked.order_hash) or {}
                if str(found.get("status", "")).upper() == "MATCHED":
                    self._close(tracked, OrderStatus.FILLED, "")
                else:
                    self._close(tracked, OrderStatus.CANCELLED, "closed at the exchange")
        self._portfolio.now_ns = int(now_ns)
        self._reserve()
        events.extend(self._events)
        self._events = BrokerEvents()
        return events

    # ----- account --------------------------------------------------------------------------

    def balance(self) -> float:
        """USDC collateral at the exchange."""
        from py_clob_client_v2.clob_types import AssetType, BalanceAllowanceParams

        params = BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
        answer = self._call("GET /balance-allowance", self.client.get_balance_allowance, params)
        return int(answer["balance"]) / 1e6

    def position(self, token_id: str) -> float:
        """Shares of one token held at the exchange."""
        from py_clob_client_v2.clob_types import AssetType, BalanceAllowanceParams

        params = BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=token_id)
        answer = self._call("GET /balance-allowance", self.client.get_balance_allowance, params)
        return int(answer["balance"]) / 1e6

    def positions(
        self, token_ids: Iterable[str], known: dict[str, float] | None = None
    ) -> dict[str, float]:
        """Shares held of each distinct token, asked once each (the API has no batch form),
        `balance_workers` requests in flight. Answers also go into `known`, and tokens
        already in it are not asked: `reconcile` keeps one across its retries, so a retry
        after a failure asks only the tokens still unanswered."""
        known = {} if known is None else known
        tokens = list(dict.fromkeys(token_ids))
        wanted = [t for t in tokens if t not in known]
        if wanted:
            workers = min(self.balance_workers, len(wanted))
            with ThreadPoolExecutor(workers, thread_name_prefix="balance") as pool:
                futures = [(token, pool.submit(self.position, token)) for token in wanted]
            failure: ApiError | None = None
            for token, future in futures:
                try:
                    known[token] = future.result()
                except ApiError as exc:
                    failure = failure or exc
            if failure is not None:
                raise failure
        return {token: known[token] for token in tokens}

    def trades(self) -> list[dict[str, Any]]:
        """The account's trades since `trades_after`, as the exchange reports them."""
        from py_clob_client_v2.clob_types import TradeParams

        params = TradeParams(after=self.trades_after)
        trades = self._call("GET /data/trades", self.client.get_trades, params)
        times = [int(float(t.get("match_time") or 0)) for t in trades]
        if times:
            newest = max(times) - TRADES_OVERLAP_S
            self.trades_after = max(self.trades_after or 0, newest)
        return trades

    def reconcile(self) -> dict[str, int]:
        """Bring local state in line with the exchange (call once at start).

        Cash and shares come from the exchange's balances; journaled orders of unknown fate
        are looked up by hash (found: sent; absent: never arrived, never re-sent); the
        exchange's open orders are tracked; existing trades are marked as already booked.
        """
        portfolio = self._portfolio
        portfolio.cash = self.balance()
        marks = portfolio.marks()
        held = self.positions(self._tokens, self._balances)
        for col, token in enumerate(self._tokens):
            shares = held[token]
            portfolio.shares[col] = shares
            if shares > 0:
                cost = marks[col]
                portfolio.avg_cost[col] = 0.0 if math.isnan(cost) else float(cost)
        open_orders = self._call("GET /data/orders", self.client.get_open_orders)
        open_by_hash = {o["id"]: o for o in open_orders}
        report = {"sent": 0, "unsent": 0, "adopted": 0}
        for entry in self.journal.entries(PREPARED):
            found = open_by_hash.get(entry.order_hash) or self._lookup(entry.order_hash)
            if found:
                self.journal.settle(entry.client_id, SENT, str(found.get("status", "")))
                report["sent"] += 1
            else:
                self.journal.settle(entry.client_id, UNSENT, reason="never reached the exchange")
                report["unsent"] += 1
        for digest, item in open_by_hash.items():
            entry = self.journal.entry_by_hash(digest)
            token = str(item["asset_id"])
            if token not in self._tokens:
                continue
            order = Order(
                token,
                Side(str(item["side"]).upper()),
                size=float(item["original_size"]),
                price=float(item["price"]),
                client_id=entry.client_id if entry else f"ext-{digest[:18]}",
                status=OrderStatus.OPEN,
                filled_size=float(item.get("size_matched") or 0.0),
            )
            self._track(_Tracked(order, digest, self._dataset().column(token)))
            report["adopted"] += 1
        for trade in self.trades():
            self.journal.record_trade(str(trade["id"]), str(trade.get("taker_order_id", "")))
        self._reserve()
        self._balances.clear()
        self.reconcile_report = report
        return report

    # ----- internals ------------------------------------------------------------------------

    def _venue_check(self, order: Order, col: int) -> str:
        data = self._dataset()
        tick = float(data.tick[col])
        resting = order.order_type in (OrderType.GTC, OrderType.GTD)
        if order.price is not None:
            if not on_tick(order.price, tick):
                return f"price {order.price} is not on the market's tick {tick:g}"
            if not tick - _EPS <= order.price <= 1.0 - tick + _EPS:
                return f"price {order.price} outside [{tick:g}, {1 - tick:g}]"
        if resting and order.notional is not None:
            order.size = order.notional / order.price
            order.notional = None
        if order.size is not None:
            order.size = floor_shares(order.size)
            if order.size <= 0:
                return "size rounds down to 0 shares (the venue takes 0.01 share steps)"
        if resting and order.size < data.min_size[col] - _EPS:
            return (
                f"size {order.size:g} below the market's minimum order size "
                f"{data.min_size[col]:g} shares"
            )
        if not resting:
            value = order.notional
            if value is None:
                value = order.size * (order.price if order.price is not None else 1.0)
            if value < MIN_MARKETABLE_USDC - _EPS:
                return f"marketable order worth {value:g} USDC below the minimum 1 USDC"
        return ""

    def _sign(self, order: Order, col: int) -> Any:
        from py_clob_client_v2.clob_types import (
            MarketOrderArgsV2,
            OrderArgsV2,
            PartialCreateOrderOptions,
        )

        tick = float(self._dataset().tick[col])
        options = PartialCreateOrderOptions(
            tick_size=f"{tick:g}", neg_risk=bool(self._neg_risk[col])
        )
        side = order.side.value
        if order.order_type in (OrderType.GTC, OrderType.GTD):
            expiration = 0
            if order.order_type is OrderType.GTD:
                expiration = int(order.expiration.timestamp())
            args = OrderArgsV2(
                token_id=order.token_id, price=order.price, size=order.size, side=side,
                expiration=expiration,
            )  # fmt: skip
            return self.client.create_order(args, options)
        if order.side is Side.BUY:
            amount = order.notional
            if amount is None:
                amount = order.size * (order.price or self._best_ask(col))
            amount = math.floor(amount * 100 + 1e-6) / 100
        else:
            amount = order.size
        args = MarketOrderArgsV2(
            token_id=order.token_id,
            amount=amount,
            side=side,
            price=order.price or 0.0,  # 0: the client walks the book for the price
            order_type=order.order_type.value,
        )
        return self.client.create_market_order(args, options)

    def _best_ask(self, col: int) -> float:
        """The latest known best ask of a token (else its last price, else 1 - tick)."""
        data = self._dataset()
        books = data.books
        if books is not None and books.times.size and books.ask_sz[-1, col, 0] > 0:
            return float(books.ask_px[-1, col, 0])
        last = data.prices[-1, col] if data.n_times else math.nan
        return float(last) if not math.isnan(last) else 1.0 - float(data.tick[col])

    def _post(self, signed: Any, order_type: str) -> dict[str, Any]:
        answer = self.client.post_order(signed, order_type)
        if isinstance(answer, dict) and answer.get("success") is False:
            raise ApiError("POST /order", str(answer.get("errorMsg", "refused")), 400)
        return answer

    def _accept(self, tracked: _Tracked, answer: dict[str, Any]) -> None:
        order = tracked.order
        status = str(answer.get("status", "")).lower()
        self.journal.settle(order.client_id, SENT, status)
        if status == "unmatched":
            order.status = OrderStatus.CANCELLED
            order.reason = f"{order.order_type.value}: no liquidity at the limit"
            return
        order.status = OrderStatus.OPEN if status == "live" else OrderStatus.PENDING
        self._track(tracked)

    def _track(self, tracked: _Tracked) -> None:
        self._active[tracked.order.client_id] = tracked
        self._by_hash[tracked.order_hash] = tracked

    def _lookup(self, digest: str) -> dict[str, Any] | None:
        found = self._call("GET /data/order", self.client.get_order, digest)
        return found if isinstance(found, dict) and found.get("id") else None

    def _resolve_uncertain(self) -> None:
        """Orders whose POST got no answer: sent if the exchange knows their hash."""
        for tracked in [t for t in self._active.values() if t.order.status is OrderStatus.PENDING]:
            found = self._lookup(tracked.order_hash)
            if found is None:
                entry = self.journal.entry_by_hash(tracked.order_hash)
                if entry is not None and entry.state == PREPARED:
                    self.journal.settle(
                        entry.client_id, UNSENT, reason="never reached the exchange"
                    )
                self._close(tracked, OrderStatus.REJECTED, "never reached the exchange")
                continue
            status = str(found.get("status", "")).lower()
            self.journal.settle(tracked.order.client_id, SENT, status)
            if status == "live":
                tracked.order.status = OrderStatus.OPEN
            elif status in ("matched", "canceled", "cancelled", "unmatched"):
                tracked.order.status = OrderStatus.OPEN  # closed by the open-orders pass

    def _apply_trade(self, trade: dict[str, Any], events: BrokerEvents) -> None:
        trade_id = str(trade["id"])
        if self.journal.trade_seen(trade_id):
            return
        legs: list[tuple[str, Side, float, float, Liquidity]] = []
        if str(trade.get("trader_side", "TAKER")).upper() == "TAKER":
            legs.append((
                str(trade["taker_order_id"]), Side(str(trade["side"]).upper()),
                float(trade["price"]), float(trade["size"]), Liquidity.TAKER,
            ))  # fmt: skip
        for maker in trade.get("maker_orders") or []:
            legs.append((
                str(maker["order_id"]), Side(str(maker["side"]).upper()),
                float(maker["price"]), float(maker["matched_amount"]), Liquidity.MAKER,
            ))  # fmt: skip
        stamp = from_ns(int(float(trade.get("match_time", 0)) * NS_PER_SECOND))
        for digest, side, price, size, liquidity in legs:
            tracked = self._by_hash.get(digest)
            if tracked is None:
                continue
            fill = self._fill(tracked, side, price, size, liquidity, stamp)
            self._portfolio.apply_fill(tracked.col, fill)
            tracked.order.filled_size += size
            events.fills.append(fill)
            self.journal.set_status(digest, "matched")
        self.journal.record_trade(trade_id, str(trade.get("taker_order_id", "")))

    def _fill(self, tracked: _Tracked, side: Side, price: float, size: float,
              liquidity: Liquidity, stamp: Any) -> Fill:  # fmt: skip
        fee_usdc = fee_shares = 0.0
        if liquidity is Liquidity.TAKER:
            rate = float(self._fee_rate[tracked.col])
            if side is Side.BUY:
                fee_shares = pm_buy_fee_shares(size, price, rate)
            else:
                fee_usdc = pm_taker_fee(size, price, rate)
        order = tracked.order
        return Fill(order.client_id, order.token_id, side, price, size, stamp, fee_usdc,
                    fee_shares, liquidity)  # fmt: skip

    def _cancel(self, chosen: list[_Tracked]) -> None:
        hashes = [t.order_hash for t in chosen]
        answer = self._call("DELETE /orders", self.client.cancel_orders, hashes)
        cancelled = set(answer.get("canceled") or []) if isinstance(answer, dict) else set()
        for tracked in chosen:
            if tracked.order_hash in cancelled:
                self._close(tracked, OrderStatus.CANCELLED, "cancelled")

    def _close(self, tracked: _Tracked, status: OrderStatus, reason: str) -> None:
        self._active.pop(tracked.order.client_id, None)
        order = tracked.order
        order.status = status
        order.reason = reason
        self.journal.set_status(tracked.order_hash, status.value)
        self._events.updates.append(order)

    def _reserve(self) -> None:
        portfolio = self._portfolio
        portfolio.reserved_cash = 0.0
        portfolio.reserved_shares[:] = 0.0
        for tracked in self._active.values():
            order = tracked.order
            if order.side is Side.BUY and order.price is not None:
                portfolio.reserved_cash += order.remaining * order.price
            elif order.side is Side.SELL:
                portfolio.reserved_shares[tracked.col] += order.remaining
        np.minimum(portfolio.reserved_shares, portfolio.shares, out=portfolio.reserved_shares)


def _reject(order: Order, reason: str) -> Order:
    order.status = OrderStatus.REJECTED
    order.reason = reason
    return order


def _order_json(signed: Any) -> dict[str, Any]:
    """The signed order as the exchange receives it (no owner: the owner is the API key)."""
    from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2

    return order_to_json_v2(signed, "", "GTC")["order"]
