"""Amaranth gateware: common helpers, FFT blocks, PE kinds, and the accelerator's stages and top."""
