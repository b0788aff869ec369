"""The accelerator: layer registers, forward (FFT) stage, MAC stage, inverse (IFFT) stage, top."""
