"""Reference strategies for alpha-arena, found by name through the `alpha_arena.strategies`
entry points (see pyproject.toml): `momentum` (the default), `mean_reversion`,
`complement_arb`, `negrisk_arb` and `favourite_longshot`.

Each is a `Strategy` dataclass whose fields are its parameters; its docstring says the idea.
The library never imports this package; `alpha_arena.strategy.get_strategy(name)` does.
"""
