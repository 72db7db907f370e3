"""Analyses of strategies beyond their returns: `lookahead` checks a strategy for peeking."""

from alpha_arena.analysis.lookahead import Difference, LookaheadReport, lookahead

__all__ = ["Difference", "LookaheadReport", "lookahead"]
