"""`python -m alpha_arena.backtest`: see `alpha_arena.backtest.command`."""

import sys

from alpha_arena.backtest.command import main

sys.exit(main())
