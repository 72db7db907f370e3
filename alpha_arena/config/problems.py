"""Problems found while validating a config: collected, never raised one at a time.

`config check` must name every bad or missing field in one pass, so validators append a
`Problem` (path, expected, got) to a `Problems` list and carry on.
"""

from __future__ import annotations

from dataclasses import dataclass

from alpha_arena.errors import ConfigError, _short


@dataclass(frozen=True)
class Problem:
    """One bad or missing field: `got` is already safe to print (secrets as set/unset)."""

    path: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected}, got {self.got}"


class Problems(list[Problem]):
    """The problems of one validation pass, in the order found."""

    def add(self, path: str, expected: str, got: object, *, shown: str | None = None) -> None:
        """Record a problem; `shown` replaces the printed value (used for secrets)."""
        self.append(Problem(path, expected, shown if shown is not None else _short(got)))

    def within(self, *sections: str) -> Problems:
        """The problems of the given sections only (`config` covers an unreadable file), for
        a reader that needs just those sections and must not refuse over the others."""
        return Problems(p for p in self if p.path.split(".")[0] in sections)

    def raise_if_any(self, source: str) -> None:
        """Raise a ConfigError listing every problem, if there is one."""
        if self:
            lines = "\n".join(f"  {p}" for p in self)
            raise ConfigError(f"{source}: {len(self)} problem(s)\n{lines}")
