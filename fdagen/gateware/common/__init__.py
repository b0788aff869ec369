"""Building blocks shared by the gateware: arithmetic, payload layouts, read streams, tile memory."""
