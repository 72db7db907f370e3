"""The simulated venue: `SimBroker`, its `SimConfig`, the `Portfolio` it keeps, and the
vectorized portfolio simulator (`alpha_arena.sim.vectorized`) for fast sweeps."""

from alpha_arena.sim.broker import Conversion, SimBroker
from alpha_arena.sim.config import SimConfig
from alpha_arena.sim.portfolio import Portfolio

__all__ = ["Conversion", "Portfolio", "SimBroker", "SimConfig"]
