"""Host side of the accelerator's streams: descriptor, weight and pixel packing, output decoding.
No Amaranth: a host program can use it without the generator."""
