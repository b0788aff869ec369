"""FFT gateware: the streaming core, its several-samples-per-clock form, the 2-D FFT and IFFT."""
