"""Risk: limits, the kill switch and the gate every order passes before a broker sees it."""

from alpha_arena.risk.kill_switch import KillSwitch
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.risk.manager import OrderRisk, RiskDecision, RiskManager

__all__ = ["KillSwitch", "OrderRisk", "RiskDecision", "RiskLimits", "RiskManager"]
