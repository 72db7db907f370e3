"""The live world: `LiveFeed` (REST polling), `LiveRunner` (the cycle loop), settings, logs."""
