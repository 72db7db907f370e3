"""The risk gate: every order passes `RiskManager.check` before it reaches a broker."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from alpha_arena.risk.kill_switch import KillSwitch
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.timeutil import NS_PER_DAY, NS_PER_MINUTE


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """Whether an order may go out, and why not."""

    approved: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OrderRisk:
    """What the gate needs to know about one order and the book of positions around it.

    `value` is the order's USDC value at its limit (or the current price); `reduces` is True
    for sells of shares held (they can only lower exposure); the exposures include open buys.
    """

    value: float
    reduces: bool
    market_exposure: float
    total_exposure: float
    open_positions: int
    opens_new_position: bool


class RiskManager:
    """Enforces `RiskLimits`, tracks the daily loss and drawdown, owns the kill switch.

    Halts (kill switch aside) block only orders that add risk; reducing orders still pass,
    so a strategy can always get flat. A tripped kill switch blocks every order.
    """

    def __init__(
        self, limits: RiskLimits | None = None, kill_switch: KillSwitch | None = None
    ) -> None:
        self.limits = limits or RiskLimits()
        self.kill_switch = kill_switch or KillSwitch(
            self.limits.kill_switch, self.limits.kill_switch_file
        )
        self._day = -1
        self._day_start_equity = 0.0
        self._high_water = 0.0
        self._equity = 0.0
        self._accepted: deque[int] = deque()

    def update(self, now_ns: int, equity: float) -> None:
        """Record the account's equity at `now_ns` (call once per step, before decisions)."""
        day = now_ns // NS_PER_DAY
        if day != self._day:
            self._day = day
            self._day_start_equity = equity
        self._high_water = max(self._high_water, equity)
        self._equity = equity

    @property
    def daily_pnl(self) -> float:
        """Equity change since the UTC day began."""
        return self._equity - self._day_start_equity

    @property
    def drawdown_pct(self) -> float:
        """Drop from the equity high-water mark, in percent."""
        if self._high_water <= 0:
            return 0.0
        return 100.0 * (self._high_water - self._equity) / self._high_water

    def halted(self) -> str:
        """Why new risk is blocked right now, or "" when trading normally."""
        if reason := self.kill_switch.tripped():
            return reason
        limits = self.limits
        if (
            limits.daily_loss_limit_usdc is not None
            and -self.daily_pnl >= limits.daily_loss_limit_usdc
        ):
            return (
                f"daily loss {-self.daily_pnl:.2f} USDC reached the limit "
                f"{limits.daily_loss_limit_usdc:.2f}"
            )
        if limits.max_drawdown_pct is not None and self.drawdown_pct >= limits.max_drawdown_pct:
            return (
                f"drawdown {self.drawdown_pct:.2f}% reached the limit "
                f"{limits.max_drawdown_pct:.2f}%"
            )
        return ""

    def check(self, now_ns: int, risk: OrderRisk) -> RiskDecision:
        """Approve or reject one order; an approval counts toward the order-rate limit."""
        if reason := self.kill_switch.tripped():
            return RiskDecision(False, reason)
        limits = self.limits
        if not risk.reduces:
            if reason := self.halted():
                return RiskDecision(False, reason)
            checks = (
                (limits.max_single_trade_usdc, risk.value, "order value"),
                (limits.max_position_usdc, risk.market_exposure + risk.value, "market exposure"),
                (
                    limits.max_total_exposure_usdc,
                    risk.total_exposure + risk.value,
                    "total exposure",
                ),
            )
            for limit, amount, what in checks:
                if limit is not None and amount > limit + 1e-9:
                    return RiskDecision(
                        False, f"{what} {amount:.2f} USDC over the limit {limit:.2f}"
                    )
            if (
                limits.max_open_positions is not None
                and risk.opens_new_position
                and risk.open_positions >= limits.max_open_positions
            ):
                return RiskDecision(
                    False,
                    f"already {risk.open_positions} open positions "
                    f"(limit {limits.max_open_positions})",
                )
        if limits.max_orders_per_minute is not None:
            while self._accepted and self._accepted[0] <= now_ns - NS_PER_MINUTE:
                self._accepted.popleft()
            if len(self._accepted) >= limits.max_orders_per_minute:
                return RiskDecision(False, f"order rate limit {limits.max_orders_per_minute}/min")
            self._accepted.append(now_ns)
        return RiskDecision(True)
