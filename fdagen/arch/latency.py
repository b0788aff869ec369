"""Pipeline depths of the generated blocks, for the RTL and for the models that predict it.

The gateware builds its pipelines from these numbers and the cycle model
(:mod:`fdagen.model.cycles`) reads the same ones, so a change of a block's depth moves both.
"""

__all__ = ["FFT_STAGE_PIPELINE", "fft_core_latency"]

#: Registers on the output path of one radix-2 SDF stage (:class:`fdagen.gateware.fft.core.
#: FFTCore`): operands, products, complex sums, alignment, rounding, saturation.
FFT_STAGE_PIPELINE = 6


def fft_core_latency(n, order="bitrev", length_shift=0):
    """Clocks at full rate from an ``n``-point core's first input sample to its first output
    sample: ``n - 1`` in the delay lines, :data:`FFT_STAGE_PIPELINE` per stage, the input
    register and the two buffers; a natural-order core adds the frame into its reorder memory
    and three clocks out of it. At a run-time length ``n >> length_shift`` the skipped stages
    keep their pipeline registers but not their delay lines."""
    stages = n.bit_length() - 1
    pipeline = (n >> length_shift) - 1 + FFT_STAGE_PIPELINE * stages + 3
    if order == "natural":
        return pipeline + n + 3
    return pipeline
