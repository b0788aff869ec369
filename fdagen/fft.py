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
acceptance to the output register holding the sample of the same index,
``N - 1 + 5 log2(N)`` (five pipeline registers per stage, for the multiplier and carry chains).

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
    """One R2SDF DIF stage. Inputs and outputs carry a sideband (``tag``, ``schedule``).

    The delay line works on the stage's input side; the output path is a pipeline of
    :data:`PIPELINE` registers that all move with ``advance``:

    1. operands: ``a + b`` (upper), the delay line's ``d`` (lower), the twiddle ROM word;
    2. the four real products (multiplier output registers);
    3. the complex products ``d.re*t.re - d.im*t.im`` and ``d.re*t.im + d.im*t.re``;
    4. rounding (``>> base`` or ``>> base + 1`` by the schedule bit) and the twiddle-kind select;
    5. saturation: the stage output ``y``.
    """

    PIPELINE = 5

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

    def _quarter_index(self):
        """Local index ``j`` whose twiddle ``W^(j * 2**stage)`` is -j / +j, or None."""
        quarter = self.fmt.n // 4
        if self.fmt.n < 4 or quarter % (1 << self.stage):
            return None
        index = quarter >> self.stage
        return index if index < self.depth else None

    def elaborate(self, platform):
        m = Module()
        fmt, depth, tw, stage = self.fmt, self.depth, self.fmt.twiddle_width, self.stage
        wide = self.in_width + 1                      # a - b, a + b
        m.submodules.delay = delay = _DelayLine(_complex(wide), depth)
        count = Signal(range(2 * depth), init=(-self.offset) % (2 * depth))
        with m.If(self.advance):
            m.d.sync += count.eq(count + 1)          # wraps at 2 * depth (a power of two)
        second_half = count[-1] if depth > 1 else count[0]
        k = count[:-1] if depth > 1 else Const(0, 1)

        # Delay line: the first half stores b, the second half stores a - b.
        a, b = delay.out, self.x
        m.d.comb += delay.advance.eq(self.advance)
        with m.If(second_half):
            m.d.comb += [delay.inp.re.eq(a.re - b.re), delay.inp.im.eq(a.im - b.im)]
        with m.Else():
            m.d.comb += [delay.inp.re.eq(b.re), delay.inp.im.eq(b.im)]

        previous_tag = Signal()
        previous_schedule = Signal(self.schedule.shape())
        with m.If(self.advance & second_half):
            m.d.sync += [previous_tag.eq(self.tag), previous_schedule.eq(self.schedule)]

        def stage_register(name, shape, value):
            """A pipeline register that moves with ``advance``."""
            reg = Signal(shape, name=name)
            with m.If(self.advance):
                m.d.sync += reg.eq(value)
            return reg

        def carry(name, shape, value):
            """Carry ``value`` through registers 1 .. 4, returning the list (index 0 = reg 1)."""
            regs = [stage_register(f"{name}1", shape, value)]
            for i in range(1, self.PIPELINE - 1):
                regs.append(stage_register(f"{name}{i + 1}", shape, regs[-1]))
            return regs

        # Register 1: operands, twiddle, kind, sideband.
        w_re, w_im = twiddles(fmt.n, tw, fmt.inverse)
        rom_re = Array(Const(int(w_re[j << stage]), signed(tw)) for j in range(depth))
        rom_im = Array(Const(int(w_im[j << stage]), signed(tw)) for j in range(depth))
        quarter_index = self._quarter_index()
        kind_now = Mux(second_half, 0, Mux(k == 0, 1,                 # 0 upper, 1 exact 1,
                       Mux(k == quarter_index, 2, 3) if quarter_index is not None else 3))
        kind = carry("kind", unsigned(2), kind_now)                     # 2 by -j/+j, 3 general
        shift = carry("shift", 1, Mux(second_half, self.schedule,
                                      previous_schedule).bit_select(stage, 1))
        tag = carry("tag", 1, Mux(second_half, self.tag, previous_tag))
        schedule = carry("schedule", self.schedule.shape(),
                         Mux(second_half, self.schedule, previous_schedule))
        sum_re = carry("sum_re", signed(wide), a.re + b.re)
        sum_im = carry("sum_im", signed(wide), a.im + b.im)
        d_re = carry("d_re", signed(wide), a.re)
        d_im = carry("d_im", signed(wide), a.im)
        t_re = stage_register("t_re1", signed(tw), rom_re[k])
        t_im = stage_register("t_im1", signed(tw), rom_im[k])

        # Register 2: the four real products.
        rr = stage_register("rr2", signed(wide + tw), d_re[0] * t_re)
        ii = stage_register("ii2", signed(wide + tw), d_im[0] * t_im)
        ri = stage_register("ri2", signed(wide + tw), d_re[0] * t_im)
        ir = stage_register("ir2", signed(wide + tw), d_im[0] * t_re)

        # Register 3: the complex product.
        product_re = stage_register("product_re3", signed(wide + tw + 1), rr - ii)
        product_im = stage_register("product_im3", signed(wide + tw + 1), ri + ir)

        # Register 4: round by the kind's base shift (+1 if the schedule says so), select.
        s4, d4re, d4im = shift[2], d_re[2], d_im[2]

        def rounded(value, base):
            return _scaled(value, base, s4, fmt.rounding)

        negated_re = -d4re
        negated_im = -d4im
        if fmt.inverse:   # * +j: (-im, re)
            by_quarter = (rounded(negated_im, 0), rounded(d4re, 0))
        else:             # * -j: (im, -re)
            by_quarter = (rounded(d4im, 0), rounded(negated_re, 0))
        choices = {
            0: (rounded(sum_re[2], 0), rounded(sum_im[2], 0)),
            1: (rounded(d4re, 0), rounded(d4im, 0)),
            2: by_quarter,
            3: (rounded(product_re, tw - 1), rounded(product_im, tw - 1)),
        }
        selected = []
        for part in range(2):
            value = choices[3][part]
            for code in (2, 1, 0):
                value = Mux(kind[2] == code, choices[code][part], value)
            selected.append(stage_register(f"rounded{part}_4", signed(wide + 2), value))

        # Register 5: saturation.
        with m.If(self.advance):
            m.d.sync += [
                self.y.re.eq(saturate_expr(selected[0], self.out_width)),
                self.y.im.eq(saturate_expr(selected[1], self.out_width)),
                self.y_tag.eq(tag[3]),
                self.y_schedule.eq(schedule[3]),
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
        return self._fmt.n - 1 + _Stage.PIPELINE * self._fmt.stages

    def elaborate(self, platform):
        m = Module()
        fmt = self._fmt
        n, stages = fmt.n, fmt.stages

        offsets, offset = [], 0
        for s in range(stages):
            offsets.append(offset)
            offset += (n >> (s + 1)) + _Stage.PIPELINE
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
