"""Host side of the accelerator's streams: descriptor, weight and pixel packing, output decoding
(:mod:`~fdagen.host.descriptor`, :mod:`~fdagen.host.network`), and the UART bridge's framing and
transports for a board (:mod:`~fdagen.host.bridge`). No Amaranth: a host program can use it
without the generator."""
