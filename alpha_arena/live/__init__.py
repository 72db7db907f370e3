"""The live world: `LiveFeed` (REST polling; books from the CLOB market WebSocket where
configured), `LiveRunner` (the cycle loop), settings, logs."""
