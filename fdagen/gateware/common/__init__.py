"""Building blocks shared by the gateware: arithmetic, payload layouts, RAMs, read streams, tile
memory."""
