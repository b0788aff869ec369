"""The one table of the layer descriptor's fields and the performance counters.

Everything that names a descriptor word or a counter reads it from here: the RTL's register
layout (:func:`fdagen.gateware.accel.layer.LayerShape`), the host's packing
(:class:`fdagen.host.descriptor.LayerDescriptor`), the manifest, the Verilog header and the
counter documentation. Add a field or a counter here and every one of them follows.

Descriptor ---------- One 32-bit word per :func:`descriptor` entry of the build's dimensions, in
table order (a 2-D build's table leaves out the depth fields a 3-D build has). ``bits`` is the
width the RTL keeps (an integer, 0 for a word the RTL checks nothing of and drops, or ``"stages"``
for a per-stage FFT schedule of ``log2 N`` bits, bit ``i`` = stage ``i``). The derived loop bounds
(tiles per axis, output size, channel groups) are computed by the host so that the RTL needs no
dividers.

Counters
--------
One 32-bit word per :data:`COUNTER_TABLE` entry, in table order, after the layer's last output
pixel. ``scheduled`` counters are fixed by the controller's loop nest for any data, gaps and
backpressure (:meth:`fdagen.arch.schedule.LayerSchedule.scheduled_counts`); the others depend
on timing.
"""

from typing import NamedTuple

__all__ = ["Field", "Counter", "DESCRIPTOR", "FIELDS", "descriptor", "field_names",
           "COUNTER_TABLE", "COUNTERS", "SCHEDULED_COUNTERS", "PE_COUNTERS", "MAX_SHIFT",
           "WORD_BITS"]

#: Width of a descriptor word and of a counter word.
WORD_BITS = 32

#: Largest right shift the requantizers take (the shift fields are 6 bits).
MAX_SHIFT = 63


class Field(NamedTuple):
    """One descriptor word: its name, what it holds, the bits the RTL keeps, and the fewest
    spatial dimensions a build has that carries it (3: a depth field)."""
    name: str
    meaning: str
    bits: object
    dims: int = 2


class Counter(NamedTuple):
    """One counter word: its name, what it counts, and whether the schedule fixes it."""
    name: str
    meaning: str
    scheduled: bool


DESCRIPTOR = (
    Field("channels", "input channels C", 16),
    Field("out_channels", "output channels M", 16),
    Field("depth", "input depth D (unpadded; 3-D)", 16, 3),
    Field("height", "input height H (unpadded)", 16),
    Field("width", "input width W (unpadded)", 16),
    Field("kernel", "kernel size K", 16),
    Field("stride", "stride s", 16),
    Field("padding", "zero padding p", 16),
    Field("fft_size", "FFT size N of the layer's transforms, at most the build's N_max "
          "(checked by the host; the RTL keeps fft_shift)", 0),
    Field("fft_shift", "log2(N_max / N): the layer's transforms skip the first fft_shift "
          "stages of the build's", 4),
    Field("bin_steps", "bin steps of a pass U/L at the layer's N (U = N (N/2 + 1), N N (N/2 + "
          "1) in 3-D; L the bin lanes; the RTL trusts it to agree with fft_shift: the host "
          "derives both)", 16),
    Field("tile", "tile size T, T + K - 1 <= N", 16),
    Field("tiles_z", "tiles through the padded map's depth (3-D)", 16, 3),
    Field("tiles_y", "tiles down the padded map", 16),
    Field("tiles_x", "tiles across the padded map", 16),
    Field("tiles", "tiles B_t = tiles_y * tiles_x (* tiles_z)", 32),
    Field("out_depth", "output depth (3-D)", 16, 3),
    Field("out_height", "output height", 16),
    Field("out_width", "output width", 16),
    Field("groups", "output-channel groups G = ceil(M / J)", 16),
    Field("blocks", "tile blocks ceil(B_t / B), B the build's spectrum tiles", 32),
    Field("spectrum_shift", "right shift of the accumulated spectrum", 6),
    Field("output_shift", "right shift of the overlap-added output plus bias", 6),
    Field("adc_shift", "right shift of the crossbar ADCs (reram kind; 0 on others)", 6),
    Field("weight_base", "first weight set of the layer's G U/L (0 unless several layers' "
          "weights stay resident)", 16),
    Field("weight_buffers", "output-channel group buffers (U/L weight sets each, from "
          "weight_base) the layer uses: at least G loads every group once; fewer streams the "
          "groups into them in turn, once per tile block", 16),
    Field("weights_resident", "1: the layer's spectral weights are in place already (an "
          "earlier layer loaded them at weight_base); the weights stream carries the biases "
          "only", 1),
    Field("relu", "1: ReLU on the output", 1),
    Field("fwd_row_schedule", "forward row FFT stage shifts", "stages"),
    Field("fwd_column_schedule", "forward column FFT stage shifts", "stages"),
    Field("fwd_depth_schedule", "forward depth FFT stage shifts (3-D)", "stages", 3),
    Field("inv_depth_schedule", "inverse depth FFT stage shifts (3-D)", "stages", 3),
    Field("inv_column_schedule", "inverse column FFT stage shifts", "stages"),
    Field("inv_row_schedule", "inverse row FFT stage shifts", "stages"),
)



def descriptor(dims):
    """The descriptor table of a ``dims``-D build: the :data:`DESCRIPTOR` fields it carries."""
    return tuple(field for field in DESCRIPTOR if field.dims <= dims)


def field_names(dims):
    """Descriptor field names of a ``dims``-D build, in stream order."""
    return tuple(field.name for field in descriptor(dims))


#: Descriptor field names of a 2-D build, in stream order.
FIELDS = field_names(2)

COUNTER_TABLE = (
    Counter("cycles", "clock cycles from the first descriptor word to the last output pixel",
            False),
    Counter("load_cycles", "cycles from the last descriptor word to the run: loading pixels "
            "and biases (and, for a PE kind that does not stream its weights into the run, the "
            "weights), and waiting for the previous layer to retire", False),
    Counter("run_cycles", "cycles from the first tile transform to the last overlap-add "
            "(overlapped layers: with the clocks its IFFT lanes wait for the previous layer's "
            "drain)", False),
    Counter("drain_cycles", "cycles from the last overlap-add to the last output pixel (the "
            "drain runs beside the run, band by band: this is what is left of it; 1 when the "
            "last pixel comes first, a stride leaving the last bands without rows)", False),
    Counter("pe_busy_cycles", "cycles the PEs compute: the PE kind's issue interval per array "
            "operation", True),
    Counter("mac_operations", "array operations, each one complex MAC on every PE at work",
            True),
    Counter("pe_stall_fft", "run cycles the array waits for a tile's input spectra", False),
    Counter("pe_stall_ifft", "run cycles the array waits for a free output-spectrum slot "
            "(overlapped layers: also while the IFFT lanes wait for the previous layer's "
            "drain)", False),
    Counter("pe_stall_weights", "run cycles the array waits for an output-channel group's "
            "weights", False),
    Counter("fft_frames", "2-D FFTs (one per tile and input channel)", True),
    Counter("ifft_frames", "2-D IFFTs (one per tile and output channel)", True),
    Counter("fmap_writes", "feature-map buffer writes (pixels-stream beats)", True),
    Counter("fmap_reads", "feature-map buffer reads (tile pixels inside the map)", True),
    Counter("weight_writes", "PE weight-memory writes (spectral weights)", True),
    Counter("weight_reads", "PE weight-memory reads (one per PE at work and operation: a "
            "digital PE of a slot without an output channel idles)", True),
    Counter("spectrum_writes", "input-spectrum buffer writes (bins)", True),
    Counter("spectrum_reads", "input-spectrum buffer reads (one per bin lane and operation)",
            True),
    Counter("output_spectrum_writes", "output-spectrum buffer writes (one per PE at work and "
            "finished sum)", True),
    Counter("output_spectrum_reads", "output-spectrum buffer reads (IFFT inputs)", True),
    Counter("oaa_reads", "overlap-add buffer reads (accumulate and drain)", True),
    Counter("oaa_writes", "overlap-add buffer writes", True),
    Counter("bias_writes", "bias memory writes", True),
    Counter("output_pixels", "output pixels sent", True),
    Counter("output_stall_cycles", "cycles an output pixel waited for the consumer "
            "(backpressure)", False),
    # the PE kinds' own events (PE_COUNTERS; 0 on a kind that has not the event)
    Counter("xbar_reads", "crossbar reads (reram: each row slice of an operation, per phase and "
            "input slice)", True),
    Counter("dac_conversions", "row DAC conversions (reram: the driven rows of every read)",
            True),
    Counter("adc_conversions", "ADC conversions (reram: every column of every read)", True),
    Counter("shift_adds", "ADC codes shifted into place and added (reram)", True),
    Counter("program_pulses", "cell programming pulses, write-verify retries included (reram)",
            False),
    Counter("verify_reads", "write-verify read-backs (reram)", False),
    Counter("program_failures", "cells whose write-verify never passed in --max-attempts "
            "pulses (reram): their weights are wrong", False),
)

#: The counters only some PE kinds have (0 on the others; the scheduled ones come from
#: :meth:`fdagen.arch.pe_kinds.PEKind.scheduled_counts`).
PE_COUNTERS = ("xbar_reads", "dac_conversions", "adc_conversions", "shift_adds",
               "program_pulses", "verify_reads", "program_failures")

#: ``(name, meaning)`` of every counter, in stream order.
COUNTERS = tuple((counter.name, counter.meaning) for counter in COUNTER_TABLE)

#: Names of the counters the schedule fixes.
SCHEDULED_COUNTERS = tuple(counter.name for counter in COUNTER_TABLE if counter.scheduled)
