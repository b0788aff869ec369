"""NumPy golden models: float spectral CNN, bit-true fixed-point pipeline, networks, op counts.

Installed as ``fdagen.golden``.
"""
