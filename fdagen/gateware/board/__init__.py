"""Board-level gateware: a UART and the bridge that carries the accelerator's streams over it,
and the top a board platform builds."""
