"""Streaming pipelined FFT/IFFT core: radix-2 single-path delay feedback (R2SDF), DIF.

Bit-exact with :func:`fdagen.golden.fft.fft_fixed` for the same :class:`~fdagen.golden.fft.FFTFormat`
(bit-reversed output order). One complex sample per clock at full rate.

Overview
--------
Stage ``s`` (``s = 0 .. log2(N) - 1``) has a delay line of ``D = N / 2**(s+1)`` words. In the
first half of each ``2D`` block the input is stored and the delay line's previous contents
(the differences ``a - b`` of the previous block) leave through the twiddle multiplier; in the
second half the stored ``a`` meets the arriving ``b``: ``a + b`` leaves at once and ``a - b``
is stored. Every value is formed exactly, then rounded once and saturated (the golden model's
numeric contract); trivial twiddles (1 and -j / +j) need no multiplier.

Flow control: the whole pipeline advances in lockstep, one step per accepted input sample.
When the input runs dry at a frame boundary while samples are still in flight, the core feeds
a phantom frame of zeros to flush them out (new input waits until that phantom frame has been
fed). Output backpressure freezes the pipeline: nothing is lost or duplicated. A mid-frame input
gap also freezes the output of earlier frames until input resumes. Synchronous reset discards
everything in flight.

Latency: :attr:`FFTCore.latency` advances (cycles at full rate) from an input sample's
acceptance to the output register holding the sample of the same index, ``N - 1 + log2(N)``.

Members
-------
i : ``In(stream.Signature(FFTCore.sample_layout(data_width)))``
    Input samples, ``re``/``im`` and ``last`` (ignored: frames are counted; ``last`` exists so
    the port maps one-to-one onto AXI4-Stream TLAST).
o : ``Out(stream.Signature(FFTCore.sample_layout(output_width)))``
    Output samples in bit-reversed order, ``last`` on the final sample of each frame.
schedule : ``In(log2(N))``, only with ``runtime_schedule=True``
    Per-stage shifts (bit ``s`` for stage ``s``), latched with the first sample of each frame.
"""

from amaranth import Array, Const, Elaboratable, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, memory, stream, wiring
from amaranth.lib.wiring import In, Out

from .golden.fft import FFTFormat, twiddles

__all__ = ["FFTCore", "round_shift_expr", "saturate_expr"]


def round_shift_expr(value, shift, rounding):
    """Amaranth expression: ``value`` (signed) divided by ``2**shift`` with ``rounding``.

    The same rules as :func:`fdagen.golden.fixedpoint.round_shift`; the result is one bit wider
    than ``value >> shift`` so that rounding up never wraps.
    """
    if shift == 0:
        return value
    if rounding == "truncate":
        return value >> shift
    floor = value >> shift
    if rounding == "half_up":
        return (value + (1 << (shift - 1))) >> shift
    remainder = value.as_unsigned()[:shift]
    half = 1 << (shift - 1)
    round_up = (remainder == half) & floor[0]          # a tie: round to even
    if shift > 1:                                      # (a 1-bit remainder is never above half)
        round_up = round_up | (remainder > half)
    return floor + round_up


def saturate_expr(value, width):
    """Amaranth expression: ``value`` clamped to the signed ``width``-bit range."""
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    return Mux(value > hi, hi, Mux(value < lo, lo, value))[:width].as_signed()


def _scaled(value, base, shift, rounding):
    """``value >> (base + shift)`` rounded, for a 1-bit run-time ``shift``."""
    return Mux(shift, round_shift_expr(value, base + 1, rounding),
               round_shift_expr(value, base, rounding))


def _complex(width):
    return data.StructLayout({"re": signed(width), "im": signed(width)})


class _DelayLine(Elaboratable):
    """``depth``-word delay that moves only when ``advance``: ``out`` is what went in ``depth``
    advances ago. Registers for depth 1, else a memory with a prefetched synchronous read."""

    def __init__(self, shape, depth):
        self.depth = depth
        self.advance = Signal()
        self.inp = Signal(shape)
        self.out = Signal(shape)

    def elaborate(self, platform):
        m = Module()
        if self.depth == 1:
            with m.If(self.advance):
                m.d.sync += self.out.eq(self.inp)
            return m
        m.submodules.memory = mem = memory.Memory(shape=self.inp.shape(), depth=self.depth,
                                                  init=[])
        write = mem.write_port()
        read = mem.read_port()
        pointer = Signal(range(self.depth))
        following = Signal(range(self.depth))
        m.d.comb += following.eq(Mux(pointer == self.depth - 1, 0, pointer + 1))
        m.d.comb += [
            write.addr.eq(pointer), write.data.eq(self.inp), write.en.eq(self.advance),
            # Read the slot after this one now, so it is on read.data at the next advance.
            read.addr.eq(following), read.en.eq(self.advance),
            self.out.eq(read.data),
        ]
        with m.If(self.advance):
            m.d.sync += pointer.eq(following)
        return m


class _Stage(Elaboratable):
    """One R2SDF DIF stage. Inputs and outputs carry a sideband (``tag``, ``schedule``)."""

    def __init__(self, fmt, stage, offset, stages):
        self.fmt, self.stage = fmt, stage
        self.depth = fmt.n >> (stage + 1)
        self.offset = offset          # stage input index = core input index - offset
        self.in_width = fmt.stage_widths[stage]
        self.out_width = fmt.stage_widths[stage + 1]
        self.advance = Signal()
        self.x = Signal(_complex(self.in_width))
        self.tag = Signal()
        self.schedule = Signal(stages)
        self.y = Signal(_complex(self.out_width))
        self.y_tag = Signal()
        self.y_schedule = Signal(stages)

    def _lower(self, m, d, k, shift):
        """Rounded, unsaturated ``d * W^k`` for the general and the trivial twiddles."""
        fmt, tw = self.fmt, self.fmt.twiddle_width
        w_re, w_im = twiddles(fmt.n, tw, fmt.inverse)
        table = range(0, self.depth)
        rom_re = Array(Const(int(w_re[j << self.stage]), signed(tw)) for j in table)
        rom_im = Array(Const(int(w_im[j << self.stage]), signed(tw)) for j in table)
        t_re, t_im = Signal(signed(tw)), Signal(signed(tw))
        m.d.comb += [t_re.eq(rom_re[k]), t_im.eq(rom_im[k])]
        product_re = Signal(signed(self.in_width + tw + 2))
        product_im = Signal(signed(self.in_width + tw + 2))
        m.d.comb += [product_re.eq(d.re * t_re - d.im * t_im),
                     product_im.eq(d.re * t_im + d.im * t_re)]
        neg_re, neg_im = Signal(signed(self.in_width + 2)), Signal(signed(self.in_width + 2))
        m.d.comb += [neg_re.eq(-d.re), neg_im.eq(-d.im)]

        def rounded(value, base):
            return _scaled(value, base, shift, fmt.rounding)

        general = (rounded(product_re, tw - 1), rounded(product_im, tw - 1))
        one = (rounded(d.re, 0), rounded(d.im, 0))
        if fmt.inverse:   # * +j: (-im, re)
            by_quarter = (rounded(neg_im, 0), rounded(d.re, 0))
        else:             # * -j: (im, -re)
            by_quarter = (rounded(d.im, 0), rounded(neg_re, 0))
        # W^k with k = j * 2**stage is -j / +j when k = n/4, reachable only if 2**stage | n/4.
        quarter = fmt.n // 4
        reachable = fmt.n >= 4 and quarter % (1 << self.stage) == 0
        quarter_index = quarter >> self.stage if reachable else None
        result = []
        for part in range(2):
            value = Mux(k == 0, one[part], general[part])
            if quarter_index is not None and quarter_index < self.depth:
                value = Mux(k == quarter_index, by_quarter[part], value)
            result.append(value)
        return result

    def elaborate(self, platform):
        m = Module()
        fmt, depth = self.fmt, self.depth
        m.submodules.delay = delay = _DelayLine(_complex(self.in_width + 1), depth)
        count = Signal(range(2 * depth), init=(-self.offset) % (2 * depth))
        with m.If(self.advance):
            m.d.sync += count.eq(count + 1)          # wraps at 2 * depth (a power of two)
        second_half = count[-1] if depth > 1 else count[0]
        k = Signal(range(depth)) if depth > 1 else Const(0, 1)
        if depth > 1:
            m.d.comb += k.eq(count[:-1])

        previous_tag = Signal()
        previous_schedule = Signal(self.schedule.shape())
        shift = Signal()
        m.d.comb += shift.eq(Mux(second_half, self.schedule, previous_schedule).bit_select(
            self.stage, 1))

        a, b = delay.out, self.x
        upper = [_scaled(a.re + b.re, 0, shift, fmt.rounding),
                 _scaled(a.im + b.im, 0, shift, fmt.rounding)]
        lower = self._lower(m, delay.out, k, shift)

        m.d.comb += delay.advance.eq(self.advance)
        with m.If(second_half):
            m.d.comb += [delay.inp.re.eq(a.re - b.re), delay.inp.im.eq(a.im - b.im)]
        with m.Else():
            m.d.comb += [delay.inp.re.eq(b.re), delay.inp.im.eq(b.im)]

        with m.If(self.advance):
            with m.If(second_half):
                m.d.sync += [
                    previous_tag.eq(self.tag), previous_schedule.eq(self.schedule),
                    self.y.re.eq(saturate_expr(upper[0], self.out_width)),
                    self.y.im.eq(saturate_expr(upper[1], self.out_width)),
                    self.y_tag.eq(self.tag), self.y_schedule.eq(self.schedule),
                ]
            with m.Else():
                m.d.sync += [
                    self.y.re.eq(saturate_expr(lower[0], self.out_width)),
                    self.y.im.eq(saturate_expr(lower[1], self.out_width)),
                    self.y_tag.eq(previous_tag), self.y_schedule.eq(previous_schedule),
                ]
        return m


class FFTCore(wiring.Component):
    """Streaming R2SDF FFT/IFFT, bit-exact with the golden model (see the module docstring).

    Parameters
    ----------
    fmt : :class:`fdagen.golden.fft.FFTFormat`
        Size, widths, scaling, rounding, direction. ``order`` must be ``"bitrev"``.
    runtime_schedule : bool
        Take the per-stage shifts from the ``schedule`` port (each frame) instead of
        ``fmt.scaling``; the word width stays constant. ``fmt.scaling`` must then not be
        ``"growth"``.
    """

    @staticmethod
    def sample_layout(width):
        """Stream payload: ``re``, ``im`` (signed ``width``) and ``last``."""
        return data.StructLayout({"re": signed(width), "im": signed(width),
                                  "last": unsigned(1)})

    def __init__(self, fmt, *, runtime_schedule=False):
        if not isinstance(fmt, FFTFormat):
            raise TypeError(f"FFT format must be an FFTFormat, not {fmt!r}")
        if fmt.order != "bitrev":
            raise ValueError(f"FFT core order must be bitrev, not {fmt.order!r}")
        if runtime_schedule and fmt.scaling == "growth":
            raise ValueError("FFT scaling must be a schedule (not growth) with a runtime "
                             "schedule")
        self._fmt = fmt
        self._runtime_schedule = bool(runtime_schedule)
        members = {
            "i": In(stream.Signature(self.sample_layout(fmt.data_width))),
            "o": Out(stream.Signature(self.sample_layout(fmt.output_width))),
        }
        if runtime_schedule:
            members["schedule"] = In(fmt.stages)
        super().__init__(members)

    @property
    def fmt(self):
        return self._fmt

    @property
    def latency(self):
        """Advances from accepting input index ``i`` to presenting output index ``i``."""
        return self._fmt.n - 1 + self._fmt.stages

    def elaborate(self, platform):
        m = Module()
        fmt = self._fmt
        n, stages = fmt.n, fmt.stages

        offsets, offset = [], 0
        for s in range(stages):
            offsets.append(offset)
            offset += (n >> (s + 1)) + 1
        stage_units = [_Stage(fmt, s, offsets[s], stages) for s in range(stages)]
        for s, unit in enumerate(stage_units):
            m.submodules[f"stage{s}"] = unit

        advance = Signal()
        count = Signal(range(n))                 # input index of the frame being fed
        phantom = Signal()                       # the frame being fed is a flush of zeros
        in_flight = Signal(range(4 * n + 1))     # accepted samples not yet delivered
        frame_schedule = Signal(stages)

        slot_free = ~self.o.valid | self.o.ready
        at_boundary = count == 0
        real_now = Mux(at_boundary, self.i.valid, ~phantom & self.i.valid)
        # Flush only for samples beyond the one on the output now.
        waiting = in_flight != Mux(self.o.valid, 1, 0)
        flush_now = Mux(at_boundary, ~self.i.valid & waiting, phantom)
        m.d.comb += [
            advance.eq(slot_free & (real_now | flush_now)),
            self.i.ready.eq(slot_free & (at_boundary | ~phantom)),
        ]
        accepted = self.i.valid & self.i.ready
        delivered = self.o.valid & self.o.ready
        m.d.sync += in_flight.eq(in_flight + accepted - delivered)

        if self._runtime_schedule:
            schedule_now = Mux(at_boundary, self.schedule, frame_schedule)
        else:
            schedule_now = Const(sum(bit << s for s, bit in enumerate(fmt.shifts)), stages)
        with m.If(advance):
            m.d.sync += count.eq(count + 1)      # wraps at n
            with m.If(at_boundary):
                m.d.sync += [phantom.eq(~self.i.valid), frame_schedule.eq(schedule_now)]

        first = stage_units[0]
        m.d.comb += [
            first.x.re.eq(Mux(real_now, self.i.payload.re, 0)),
            first.x.im.eq(Mux(real_now, self.i.payload.im, 0)),
            first.tag.eq(real_now),
            first.schedule.eq(schedule_now),
        ]
        for unit in stage_units:
            m.d.comb += unit.advance.eq(advance)
        for before, after in zip(stage_units, stage_units[1:]):
            m.d.comb += [after.x.eq(before.y), after.tag.eq(before.y_tag),
                         after.schedule.eq(before.y_schedule)]

        # The last stage's output register is the output register. A sample delivered while
        # the pipeline stands still must not be presented twice.
        last_unit = stage_units[-1]
        consumed = Signal()
        out_count = Signal(range(n))
        with m.If(advance):
            m.d.sync += consumed.eq(0)
        with m.Elif(delivered):
            m.d.sync += consumed.eq(1)
        with m.If(delivered):
            m.d.sync += out_count.eq(out_count + 1)   # wraps at n
        m.d.comb += [
            self.o.valid.eq(last_unit.y_tag & ~consumed),
            self.o.payload.re.eq(last_unit.y.re),
            self.o.payload.im.eq(last_unit.y.im),
            self.o.payload.last.eq(out_count == n - 1),
        ]
        return m
