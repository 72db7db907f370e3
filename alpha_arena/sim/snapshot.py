"""The JSON form of a simulated account: the format number, its checks, and record codecs.

`SimBroker.snapshot()` / `SimBroker.restore()` and `Portfolio.snapshot()` /
`Portfolio.restore()` build and read it; this module holds what they share: the version
(`SNAPSHOT_VERSION`), a reader that checks each field's presence and type and raises a
`SnapshotError` naming it, and the JSON codecs of orders and fills. Per-token values are
lists in the order of the snapshot's `tokens`, so a snapshot restores onto any dataset that
holds those tokens (in any order, among others).

Versions: 1 (the paper account's first format) lacks `crossed_ns`, `crossed_book_ns` and
`taken`; it is still read, with the crossing history and the liquidity taken unknown
(resting orders are then checked against every row of the new dataset, as version 1 did).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from alpha_arena.data import Dataset
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.timeutil import from_ns, to_ns
from alpha_arena.types import Fill, Liquidity, Order, OrderStatus, Side

SNAPSHOT_VERSION = 2
"""The format `snapshot()` writes; `restore()` reads it and every version in `READABLE`."""
READABLE = (1, 2)


class SnapshotError(DataError):
    """A snapshot field is missing, of the wrong type, or inconsistent; `field` names it."""

    def __init__(self, field: str, expected: str, got: object = None) -> None:
        self.field = field
        self.expected = expected
        self.got = got
        shown = "" if got is None else f", got {_short(got)}"
        super().__init__(f"snapshot field {field!r}: expected {expected}{shown}")


class UnknownTokensError(SnapshotError):
    """The snapshot holds shares or open orders on `tokens` the dataset does not have."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        super().__init__("tokens", "positions and orders only on tokens of the dataset", tokens)


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----- field checks -------------------------------------------------------------------------

_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "num": (
        "a finite number",
        lambda v: not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v),
    ),
    "int": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "str": ("a string", lambda v: isinstance(v, str)),
    "bool": ("true or false", lambda v: isinstance(v, bool)),
    "list": ("a list", lambda v: isinstance(v, list)),
    "dict": ("an object", lambda v: isinstance(v, dict)),
}


def check(value: Any, kind: str, field: str) -> Any:
    """`value` if it is of `kind` ("num", "int", "str", "bool", "list", "dict"; a trailing
    "?" also allows None), else a SnapshotError naming `field`."""
    if kind.endswith("?"):
        if value is None:
            return None
        kind = kind[:-1]
    expected, ok = _KINDS[kind]
    if not ok(value):
        raise SnapshotError(field, expected, value)
    return value


def get(record: Any, name: str, kind: str, where: str = "") -> Any:
    """Field `name` of a snapshot record (`where` is the record's path), checked by kind."""
    field = f"{where}.{name}" if where else name
    if not isinstance(record, dict):
        raise SnapshotError(where or "snapshot", "an object", record)
    if name not in record:
        raise SnapshotError(field, "present", "missing")
    return check(record[name], kind, field)


def records(state: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A list-of-objects field, each element checked to be an object."""
    items = get(state, name, "list")
    for i, item in enumerate(items):
        check(item, "dict", f"{name}[{i}]")
    return items


def per_token(state: dict[str, Any], name: str, kind: str, n: int) -> list[Any]:
    """A per-token list field: `n` values (one per snapshot token), each of `kind`."""
    values = get(state, name, "list")
    if len(values) != n:
        raise SnapshotError(name, f"{n} values (one per token)", f"{len(values)} values")
    return [check(v, kind, f"{name}[{i}]") for i, v in enumerate(values)]


def version(state: Any) -> int:
    """The snapshot's format number, if this code reads it (else a SnapshotError)."""
    found = get(state, "version", "int")
    if found not in READABLE:
        raise SnapshotError("version", f"a snapshot version in {READABLE}", found)
    return found


def columns(state: dict[str, Any], dataset: Dataset) -> tuple[list[str], np.ndarray]:
    """The snapshot's token ids and each one's column in `dataset` (-1 when absent)."""
    tokens = get(state, "tokens", "list")
    cols = np.empty(len(tokens), dtype=np.int64)
    for i, token in enumerate(tokens):
        check(token, "str", f"tokens[{i}]")
        cols[i] = column(dataset, token)
    return tokens, cols


def column(dataset: Dataset, token_id: str) -> int:
    """A token's column in `dataset`, or -1 when the dataset does not have it."""
    try:
        return dataset.column(token_id)
    except KeyError:
        return -1


# ----- record codecs ------------------------------------------------------------------------

_ORDER = {
    "token_id": "str", "side": "str", "size": "num?", "price": "num?", "order_type": "str",
    "notional": "num?", "expiration": "int?", "client_id": "str", "created_at": "int?",
    "status": "str", "filled_size": "num", "reason": "str",
}  # fmt: skip
_FILL = {
    "order_id": "str", "token_id": "str", "side": "str", "price": "num", "size": "num",
    "timestamp": "int", "fee_usdc": "num", "fee_shares": "num", "liquidity": "str",
}  # fmt: skip


def fields(record: Any, schema: dict[str, str], where: str) -> dict[str, Any]:
    """Every field of `schema` from `record`, checked (a SnapshotError names the first bad one)."""
    return {name: get(record, name, kind, where) for name, kind in schema.items()}


def order_json(order: Order) -> dict[str, Any]:
    """An order as a JSON-able mapping (times in ns)."""
    return {
        "token_id": order.token_id,
        "side": order.side.value,
        "size": order.size,
        "price": order.price,
        "order_type": order.order_type.value,
        "notional": order.notional,
        "expiration": None if order.expiration is None else to_ns(order.expiration),
        "client_id": order.client_id,
        "created_at": None if order.created_at is None else to_ns(order.created_at),
        "status": order.status.value,
        "filled_size": order.filled_size,
        "reason": order.reason,
    }


def order_from(record: Any, where: str) -> Order:
    """The order of an `order_json` mapping; a SnapshotError names a bad field."""
    item = fields(record, _ORDER, where)
    return _build(
        where,
        lambda: Order(
            item["token_id"],
            item["side"],
            size=item["size"],
            price=item["price"],
            order_type=item["order_type"],
            notional=item["notional"],
            expiration=None if item["expiration"] is None else from_ns(item["expiration"]),
            client_id=item["client_id"],
            created_at=None if item["created_at"] is None else from_ns(item["created_at"]),
            status=OrderStatus(_enum(item["status"], OrderStatus, f"{where}.status")),
            filled_size=item["filled_size"],
            reason=item["reason"],
        ),
    )


def fill_json(fill: Fill) -> dict[str, Any]:
    """A fill as a JSON-able mapping (time in ns)."""
    return {
        "order_id": fill.order_id,
        "token_id": fill.token_id,
        "side": fill.side.value,
        "price": fill.price,
        "size": fill.size,
        "timestamp": to_ns(fill.timestamp),
        "fee_usdc": fill.fee_usdc,
        "fee_shares": fill.fee_shares,
        "liquidity": fill.liquidity.value,
    }


def fill_from(record: Any, where: str) -> Fill:
    """The fill of a `fill_json` mapping; a SnapshotError names a bad field."""
    item = fields(record, _FILL, where)
    return _build(
        where,
        lambda: Fill(
            item["order_id"],
            item["token_id"],
            _enum(item["side"], Side, f"{where}.side"),
            item["price"],
            item["size"],
            from_ns(item["timestamp"]),
            item["fee_usdc"],
            item["fee_shares"],
            _enum(item["liquidity"], Liquidity, f"{where}.liquidity"),
        ),
    )


def _enum(value: str, kind: type, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise SnapshotError(field, f"one of {[m.value for m in kind]}", value) from None


def _build(where: str, make: Callable[[], Any]) -> Any:
    """Run a record constructor, turning its ValidationError into a SnapshotError."""
    try:
        return make()
    except ValidationError as exc:
        raise SnapshotError(f"{where}.{exc.field}", exc.expected, exc.got) from exc
