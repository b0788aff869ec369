"""The interfaces between the accelerator's stages, each a ``wiring.Signature`` that carries its
read latency, connected with ``wiring.connect`` in :class:`~fdagen.gateware.accel.top.
Accelerator`.

Each signature is written from the reader's side (``Out`` = driven by the reader); the stage
that provides the data holds it flipped (``In(...)``). A reader sizes its pipelines from the
signature's ``latency``, never from a number of its own.

:class:`LayerControl`
    The running layer's registers (:func:`~fdagen.gateware.accel.layer.LayerShape`; the
    loader keeps the next layer's apart), ``start`` (one cycle: a layer's run begins, the
    run's counters restart), ``capture`` (one cycle: the run is over and its counters are
    captured for the counter stream; counters that also count the next layer's loading
    restart) and ``tiles``; the top drives every stage.
:class:`SpectrumRead`
    The MAC stage reads the forward stage's input-spectrum buffer: all ``L`` banks of FFT lane
    ``lane`` at ``addr`` when ``en``; the ``L`` values are on ``data`` ``latency`` cycles later.
    ``ready``: leading tiles whose spectra are complete; ``done``: leading tiles the array is
    done with (their last output-channel group has read them: their spectrum slots are free).
:class:`OutputSpectrumRead`
    Each IFFT lane ``i`` reads the MAC stage's output-spectrum bank ``bank[i]`` at ``addr[i]``
    when ``en[i]``; ``data[i]`` follows ``latency`` cycles later. ``done``: passes (a tile and
    an output-channel group, :mod:`fdagen.gateware.accel.tile_loop`) whose sums are complete;
    ``fed``: leading passes every IFFT lane has read (their slots are free).
:class:`DrainRead`
    The top reads lane ``lane``'s overlap-add bank ``bank`` at ``addr`` when ``en``; ``data``
    ``latency`` cycles later. The drain runs beside the IFFT lanes, band by band: ``bands``
    streams each band's group and tile row as the lanes feed its last pass, ``final`` counts
    the leading bands every lane has overlap-added (they may be read out), ``drained`` the
    bands the drain has read out (their rows may be reused), ``busy`` says lane ``lane``'s
    overlap-add needs its bank's read port this cycle (the drain must not read it then: the
    overlap-add cannot wait). ``finished``: every IFFT lane has overlap-added every pass of the
    layer.
:class:`WeightProgram`
    The top's loader offers ``words`` spectral weights ``(re[i], im[i])`` of PEs ``pe + i L``
    (bin lane ``pe mod L``, output-channel slots ``pe div L + i``; ``pe div L`` a multiple of
    the beat's ``W`` words), weight set ``set`` (``g U/L + k/L``: group and bin
    step) and input channel ``channel`` with ``valid``; the MAC stage takes it when ``ready``
    (a stream handshake: the crossbars' write-verify takes many clocks per weight) and holds
    ``busy`` while weights it took are not yet in place (the run waits for it).
    ``groups_loaded``: output-channel groups whose weights the loader has streamed, in stream
    order (all ones when they are resident); ``groups_done``: groups (per tile block) the array
    has finished, whose buffers the loader may then refill.
"""

from amaranth import Mux, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from fdagen.gateware.accel.layer import LayerShape
from fdagen.gateware.common.arith import const_mul
from fdagen.gateware.common.layouts import complex_layout

__all__ = ["LayerControl", "SpectrumRead", "OutputSpectrumRead", "DrainRead", "WeightProgram",
           "BAND_LAYOUT"]


class LayerControl(wiring.Signature):
    """Layer registers, ``start``, ``capture`` and ``tiles`` (the layer's tile count in the
    build's :attr:`~fdagen.arch.config.AcceleratorConfig.count_width` bits) for a build
    ``config`` (driven by the top: every stage holds it flipped)."""

    def __init__(self, config):
        c = config
        super().__init__({"layer": Out(LayerShape(c.stages, c.dims)), "start": Out(1),
                          "capture": Out(1), "tiles": Out(c.count_width)})


class SpectrumRead(wiring.Signature):
    """The input-spectrum buffer, read by the MAC stage (see the module docstring)."""

    #: Cycles from ``en`` to ``data``: the bank's synchronous read port, then the lane mux
    #: register.
    latency = 2

    def __init__(self, config):
        c = config
        super().__init__({
            "en": Out(1), "lane": Out(range(max(2, c.fft_lanes))),
            "addr": Out(range(c.spectrum_depth)),
            "data": In(data.ArrayLayout(complex_layout(c.data_width), c.bin_lanes)),
            "ready": In(c.count_width), "done": Out(c.count_width),
        })


class OutputSpectrumRead(wiring.Signature):
    """The output-spectrum buffer, read by the IFFT lanes (see the module docstring);
    ``acc_width``-bit sums."""

    #: Cycles from ``en`` to ``data``: the request register, the bank's read port, the bank's
    #: word register, then the bank mux register.
    latency = 4

    def __init__(self, config, acc_width):
        c, li = config, config.ifft_lanes
        banks = c.slots_per_ifft_lane * c.bin_lanes
        super().__init__({
            "en": Out(data.ArrayLayout(1, li)),
            "addr": Out(data.ArrayLayout(range(c.output_spectrum_depth), li)),
            "bank": Out(data.ArrayLayout(range(max(2, banks)), li)),
            "data": In(data.ArrayLayout(complex_layout(acc_width), li)),
            "done": In(c.count_width), "fed": Out(c.count_width),
        })


#: A band of output channel group ``group`` (:meth:`fdagen.arch.schedule.LayerSchedule.
#: band_order`): its tile row's origin ``row`` (``ty T``) along the first axis, and whether
#: it is the layer's last tile row.
BAND_LAYOUT = data.StructLayout({"group": 16, "row": 16, "last": 1})


class DrainRead(wiring.Signature):
    """The overlap-add banks, read by the top's drain (see the module docstring): ``bands``
    (:data:`BAND_LAYOUT`, in the order the IFFT lanes feed them) and ``final`` (how many of
    them every lane has overlap-added, registered) say what the drain may read; ``drained``
    counts the bands the drain has read (the overlap-add rings may then take new rows)."""

    #: Cycles from ``en`` to ``data``: the request register, the bank's read port, the lane's
    #: word register, then the lane mux register. ``busy`` is for the clock after ``en``,
    #: when the request reaches the bank.
    latency = 4

    def __init__(self, config):
        c = config
        super().__init__({
            "en": Out(1), "lane": Out(range(max(2, c.ifft_lanes))), "bank": Out(1),
            "addr": Out(range(c.oaa_depth)),
            "data": In(signed(c.oaa_width)),
            "bands": In(stream.Signature(BAND_LAYOUT)), "final": In(16), "drained": Out(16),
            "busy": In(1), "finished": In(1),
        })

    @staticmethod
    def bank(config, group):
        """The overlap-add bank of output-channel group ``group`` (a signal): ``group mod 2``
        with two banks (:attr:`~fdagen.arch.config.AcceleratorConfig.oaa_banks`), else 0."""
        return group[0] if config.oaa_banks == 2 else 0

    @staticmethod
    def group_base(config, group):
        """Words from group ``group``'s bank's start to its first ring: ``group div 2`` (two
        banks) or ``group`` times the lane's ``JL`` rings."""
        rings = config.slots_per_ifft_lane * config.oaa_channel_stride
        return const_mul(group[1:] if config.oaa_banks == 2 else group, rings)

    @staticmethod
    def group_step(config, group):
        """Words from group ``group``'s first plane in its bank to group ``group + 1``'s in
        its own: the same place in the other bank, or the lane's ``JL`` planes further on."""
        planes = config.slots_per_ifft_lane * config.oaa_channel_stride
        return Mux(group[0], planes, 0) if config.oaa_banks == 2 else planes


class WeightProgram(wiring.Signature):
    """Spectral weights from the loader to the MAC stage (see the module docstring)."""

    def __init__(self, config):
        c = config
        super().__init__({
            "valid": Out(1), "ready": In(1), "busy": In(1), "pe": Out(range(max(2, c.pes))),
            "set": Out(range(max(2, c.weight_sets))),
            "channel": Out(range(max(2, c.max_channels))),
            "words": Out(range(c.weight_beat_words + 1)),
            "re": Out(data.ArrayLayout(signed(c.weight_width), c.weight_beat_words)),
            "im": Out(data.ArrayLayout(signed(c.weight_width), c.weight_beat_words)),
            "groups_loaded": Out(c.count_width), "groups_done": In(c.count_width),
        })
