"""`python -m alpha_arena.cli` runs the `alpha-arena` command."""

import sys

from alpha_arena.cli import main

sys.exit(main())
