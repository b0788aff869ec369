"""Streaming pipelined FFT/IFFT core: radix-2 single-path delay feedback (R2SDF), DIF.

Bit-exact with :func:`fdagen.golden.fft.fft_fixed` for the same
:class:`~fdagen.golden.fft.FFTFormat` (bit-reversed or natural output order). One complex sample per
clock at full rate.

Overview
--------
Stage ``s`` (``s = 0 .. log2(N) - 1``) has a delay line of ``D = N / 2**(s+1)`` words. In the
first half of each ``2D`` block the input is stored and the delay line's previous contents
(the differences ``a - b`` of the previous block) leave through the twiddle multiplier; in the
second half the stored ``a`` meets the arriving ``b``: ``a + b`` leaves at once and ``a - b``
is stored. Every value is formed exactly, then rounded once and saturated (the golden model's
numeric contract); trivial twiddles (1 and -j / +j) need no multiplier.

Flow control: the whole pipeline advances in lockstep, one step per input sample, on cycles
when a registered step enable is high; the enable is decided a cycle ahead from the levels of
4-deep input and output buffers (``lib.fifo``), so no handshake logic sits in front of its
fanout. When the input runs dry at a frame boundary while samples are still in flight, the
core feeds a phantom frame of zeros to flush them out (new input waits until that phantom frame
has been fed). Output backpressure stops the pipeline once the output buffer cannot take what
is in its last stage: nothing is lost or duplicated. A mid-frame input gap also stops the
output of earlier frames until input resumes. Synchronous reset discards everything in flight.

Latency: :attr:`FFTCore.latency` advances (cycles at full rate) from an input sample's
acceptance to the output register holding the sample of the same index,
``N + 2 + 6 log2(N)``: six pipeline registers per stage (for the multiplier and carry chains),
one in front of the first stage, and one cycle each through the input and output buffers.

Members
-------
i : ``In(stream.Signature(FFTCore.sample_layout(data_width)))``
    Input samples, ``re``/``im`` and ``last`` (ignored: frames are counted; ``last`` exists so
    the port maps one-to-one onto AXI4-Stream TLAST).
o : ``Out(stream.Signature(FFTCore.sample_layout(output_width)))``
    Output samples in ``fmt.order``, ``last`` on the final sample of each frame. Bit-reversed
    order needs no extra memory (and feeds a DIT inverse or an element-wise stage directly);
    natural order adds a double-buffered frame memory (``2 N`` words) and ``N + 3`` clocks.
schedule : ``In(log2(N))``, only with ``runtime_schedule=True``
    Per-stage shifts (bit ``s`` for stage ``s``), latched with the first sample of each frame.
    With a run-time length ``N >> length_shift``, bit ``s`` is stage ``s`` of that transform.
length_shift : ``In(range(log2(N)))``, only with ``runtime_length=True``
    The transform length is ``N >> length_shift`` (2 .. N). The first ``length_shift`` stages
    pass samples through unchanged; an ``N >> k``-point DIF transform is exactly the last
    ``log2(N) - k`` stages of the ``N``-point pipeline with the same twiddles
    (``W_N^(j 2^(s+k)) = W_(N>>k)^(j 2^s)``), so the output is bit-exact with the golden
    ``N >> k``-point FFT. When a sample is offered (``i.valid``) with a port value other than
    the length in use, ``i.ready`` falls until every sample in the core has left its last
    stage; the core then takes the new length (one clock) and accepts again. The port may
    change only between frames: a change in the middle of one stalls the core for good (the
    frame never completes). The 2-D blocks latch it per tile, so theirs cannot. Latency at
    length ``L``: ``L + 2 + 6 log2(N)`` (the skipped stages keep their pipeline registers).
"""

from collections import namedtuple

from amaranth import Array, Cat, Const, Elaboratable, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In, Out

from fdagen.arch.latency import FFT_STAGE_PIPELINE, fft_core_latency
from fdagen.gateware.common.arith import saturate_expr
from fdagen.arch.dsp import check_dsp, fits_mult18
from fdagen.gateware.common.dsp import ecp5_product
from fdagen.gateware.common.ram import ram
from fdagen.gateware.common.tile_buffer import TileBuffer
from fdagen.golden.checks import ParameterError, ParameterTypeError
from fdagen.golden.fft import FFTFormat, twiddles

__all__ = ["FFTCore"]


def _round_up(value, cut, rounding):
    """The bit to add to ``value >> cut`` to round by ``rounding`` (a LUT tree, no adder).

    The same rules as :func:`fdagen.golden.fixedpoint.round_shift`: ``half_up`` adds the half
    bit; ``convergent`` adds it when the rest is nonzero (above half) or the floor is odd (a tie).
    """
    if cut == 0 or rounding == "truncate":
        return Const(0, 1)
    bits = value.as_unsigned()
    half = bits[cut - 1]
    if rounding == "half_up":
        return half
    rest = bits[:cut - 1].any() if cut > 1 else Const(0, 1)
    return half & (rest | bits[cut])


def _complex(width):
    return data.StructLayout({"re": signed(width), "im": signed(width)})


def _quarter_index(n, stage):
    """Local index ``j`` of stage ``stage`` whose twiddle ``W_n^(j * 2**stage)`` is -j / +j,
    or None."""
    quarter, depth = n // 4, n >> (stage + 1)
    if n < 4 or quarter % (1 << stage):
        return None
    index = quarter >> stage
    return index if index < depth else None


def _has_multipliers(n, stage):
    """Whether stage ``stage`` of an ``n``-point core has a twiddle other than 1 and -j / +j
    (the last two stages have none, so no ROM and no multipliers)."""
    quarter_index = _quarter_index(n, stage)
    return any(j not in (0, quarter_index) for j in range(n >> (stage + 1)))


def _in_mult18(fmt, stage, dsp):
    """Whether stage ``stage``'s products sit in MULT18X18D output registers with ``dsp``."""
    return (dsp == "ecp5" and _has_multipliers(fmt.n, stage)
            and fits_mult18(fmt.stage_widths[stage] + 1, fmt.twiddle_width))


class _DelayLine(Elaboratable):
    """``depth``-word delay that moves only when ``advance``: ``out`` is what went in ``depth``
    advances ago.

    Depths up to 2 are registers. Longer ones are a memory read two slots ahead, whose read
    data is registered once more in the fabric, so a block RAM's slow clock-to-out never meets
    the butterfly's adder in one cycle. (Slot ``p`` is read two advances before it is used;
    the two writes in between go to ``p - 2`` and ``p - 1``, never ``p``, when depth >= 3.)
    """

    def __init__(self, shape, depth, *, silenceable=False):
        self.depth = depth
        self.advance = Signal()
        self.inp = Signal(shape)
        self.out = Signal(shape)
        #: With ``silenceable``: while high, ``out`` reads zero (from the next clock on,
        #: whether or not the line advances) and the memory is neither read nor written (its
        #: words go stale: a stage leaving pass-through marks them as no samples).
        self.silence = Signal(name="silence") if silenceable else None

    def elaborate(self, platform):
        m = Module()
        if self.depth <= 2:
            # not reset, as the memory below is not: a slot is read only after it is written
            line = [Signal.like(self.inp, name=f"tap{i}", reset_less=True)
                    for i in range(self.depth)]
            with m.If(self.advance):
                m.d.sync += line[0].eq(self.inp)
                for before, after in zip(line, line[1:]):
                    m.d.sync += after.eq(before)
            if self.silence is None:
                m.d.comb += self.out.eq(line[-1])
            else:
                m.d.comb += self.out.eq(Mux(self.silence, 0, line[-1]))
            return m
        m.submodules.memory = mem = ram(self.inp.shape(), self.depth)
        write = mem.write_port()
        read = mem.read_port()
        pointer = Signal(range(self.depth))
        ahead = Signal(range(self.depth), init=2)    # pointer + 2 (mod depth)
        access = self.advance if self.silence is None else self.advance & ~self.silence
        m.d.comb += [
            write.addr.eq(pointer), write.data.eq(self.inp), write.en.eq(access),
            read.addr.eq(ahead), read.en.eq(access),
        ]
        with m.If(self.advance):
            m.d.sync += [
                pointer.eq(Mux(pointer == self.depth - 1, 0, pointer + 1)),
                ahead.eq(Mux(ahead == self.depth - 1, 0, ahead + 1)),
                self.out.eq(read.data),
            ]
        if self.silence is not None:
            with m.If(self.silence):
                m.d.sync += self.out.eq(0)
        return m


class _Stage(Elaboratable):
    """One R2SDF DIF stage. Inputs and outputs carry a sideband (``tag``, ``schedule``).

    The delay line works on the stage's input side; the output path is a pipeline of
    :data:`PIPELINE` registers that all move with ``advance``, one carry chain at most in each:

    1. operands: ``a + b`` (upper), the delay line's ``d`` (lower), the twiddle ROM word;
    2. the four real products (multiplier output registers; with ``dsp="ecp5"``, those of
       the MULT18X18D blocks, see :func:`fdagen.gateware.common.dsp.ecp5_product`);
    3. the complex products ``d.re*t.re - d.im*t.im`` and ``d.re*t.im + d.im*t.re``, and ``-d``;
    4. the operand of the twiddle kind, aligned to one cut, and its round-up bits;
    5. the rounding adder, ``>> tw-1`` or ``>> tw`` by the schedule bit;
    6. saturation: the stage output ``y``.

    With ``skippable`` (a core with a run-time length), ``bypass`` makes the stage pass its
    input through the same registers unchanged (the delay line reads zero and every step is
    treated as a second half: ``y = x + 0``, cut at no shift), and a ``restart`` pulse (only
    while the core holds no sample) puts the block counter back at the frame origin and
    marks the delay line's contents as no samples.
    """

    PIPELINE = FFT_STAGE_PIPELINE

    def __init__(self, fmt, stage, offset, stages, *, skippable=False, dsp="generic"):
        self.fmt, self.stage, self.dsp = fmt, stage, dsp
        self.bypass = Signal(name="bypass") if skippable else None
        self.restart = Signal(name="restart") if skippable else None
        self.depth = fmt.n >> (stage + 1)
        self.offset = offset          # stage input index = core input index - offset
        self.in_width = fmt.stage_widths[stage]
        self.out_width = fmt.stage_widths[stage + 1]
        self.advance = Signal()
        # samples: data, not reset (valid by the core's counters, as the stage registers)
        self.x = Signal(_complex(self.in_width), reset_less=True)
        self.tag = Signal()
        self.schedule = Signal(stages)
        self.y = Signal(_complex(self.out_width), reset_less=True)
        self.y_tag = Signal()
        self.y_schedule = Signal(stages)

    def _quarter_index(self):
        """Local index ``j`` whose twiddle ``W^(j * 2**stage)`` is -j / +j, or None."""
        return _quarter_index(self.fmt.n, self.stage)

    def elaborate(self, platform):
        m = Module()
        fmt, depth, tw, stage = self.fmt, self.depth, self.fmt.twiddle_width, self.stage
        wide = self.in_width + 1                      # a - b, a + b
        skippable = self.bypass is not None
        m.submodules.delay = delay = _DelayLine(_complex(wide), depth, silenceable=skippable)
        origin = (-self.offset) % (2 * depth)
        count = Signal(range(2 * depth), init=origin)
        with m.If(self.advance):
            m.d.sync += count.eq(count + 1)          # wraps at 2 * depth (a power of two)
        second_half = count[-1] if depth > 1 else count[0]
        k = count[:-1] if depth > 1 else Const(0, 1)
        if skippable:
            with m.If(self.restart):
                m.d.sync += count.eq(origin)
            m.d.comb += delay.silence.eq(self.bypass)
            second_half = second_half | self.bypass

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
        if skippable:
            with m.If(self.restart):
                m.d.sync += previous_tag.eq(0)

        def stage_register(name, shape, value, reset_less=True):
            """A pipeline register that moves with ``advance``. Data registers are not reset:
            nothing reads them before a sample has passed through (the stage's output is
            valid only by the core's counters), and leaving thousands of flip-flops off the
            reset net frees routing and the slices' control sets."""
            reg = Signal(shape, name=name, reset_less=reset_less)
            with m.If(self.advance):
                m.d.sync += reg.eq(value)
            return reg

        def carry(name, shape, value, reset_less=True):
            """Carry ``value`` through registers 1 .. 5, returning the list (index 0 = reg 1)."""
            regs = [stage_register(f"{name}1", shape, value, reset_less)]
            for i in range(1, self.PIPELINE - 1):
                regs.append(stage_register(f"{name}{i + 1}", shape, regs[-1], reset_less))
            return regs

        # Register 1: operands, twiddle, kind, sideband (carried to register 5).
        w_re, w_im = twiddles(fmt.n, tw, fmt.inverse)
        rom_re = Array(Const(int(w_re[j << stage]), signed(tw)) for j in range(depth))
        rom_im = Array(Const(int(w_im[j << stage]), signed(tw)) for j in range(depth))
        quarter_index = self._quarter_index()
        # Stages whose twiddles are all trivial (the last two) need no ROM and no multipliers.
        general = _has_multipliers(fmt.n, stage)
        kind_now = Mux(second_half, 0, Mux(k == 0, 1,                 # 0 upper, 1 exact 1,
                       Mux(k == quarter_index, 2, 3) if quarter_index is not None else 3))
        kind = carry("kind", unsigned(2), kind_now)                     # 2 by -j/+j, 3 general
        shift = carry("shift", 1, Mux(second_half, self.schedule,
                                      previous_schedule).bit_select(stage, 1))
        # the frame's tag and schedule keep their reset (a few bits)
        tag = carry("tag", 1, Mux(second_half, self.tag, previous_tag), reset_less=False)
        schedule = carry("schedule", self.schedule.shape(),
                         Mux(second_half, self.schedule, previous_schedule), reset_less=False)
        sum_re = carry("sum_re", signed(wide), a.re + b.re)
        sum_im = carry("sum_im", signed(wide), a.im + b.im)
        d_re = carry("d_re", signed(wide), a.re)
        d_im = carry("d_im", signed(wide), a.im)
        if general:
            t_re = stage_register("t_re1", signed(tw), rom_re[k])
            t_im = stage_register("t_im1", signed(tw), rom_im[k])

        # Register 2: the four real products; register 3: the complex product, and -d for
        # the -j / +j twiddle (one carry chain each, so register 4 has only the rounding
        # adder).
        if general:
            if _in_mult18(fmt, stage, self.dsp):
                def product(name, d, t):    # the product register in the DSP block
                    return ecp5_product(m, name, d, t, self.advance)
            else:
                def product(name, d, t):
                    return stage_register(name, signed(wide + tw), d * t)
            rr = product("rr2", d_re[0], t_re)
            ii = product("ii2", d_im[0], t_im)
            ri = product("ri2", d_re[0], t_im)
            ir = product("ir2", d_im[0], t_re)
            product_re = stage_register("product_re3", signed(wide + tw + 1), rr - ii)
            product_im = stage_register("product_im3", signed(wide + tw + 1), ri + ir)
        else:
            product_re = product_im = Const(0, signed(wide + tw + 1))
        negated_re = stage_register("negated_re3", signed(wide + 1), -d_re[1])
        negated_im = stage_register("negated_im3", signed(wide + 1), -d_im[1])

        # Register 4: the operand of the kind, aligned so that every kind is cut at bit tw-1
        # (exact values shifted left by tw-1 come back exactly), and the round-up bits for a
        # cut at tw-1 and at tw (schedule shift 0 or 1), from small LUT trees.
        width = wide + tw + 1
        d4re, d4im = d_re[2], d_im[2]
        if fmt.inverse:   # * +j: (-im, re)
            quarter = (negated_im, d4re)
        else:             # * -j: (im, -re)
            quarter = (d4im, negated_re)
        candidates = {0: (sum_re[2], sum_im[2]), 1: (d4re, d4im), 2: quarter}
        cut = tw - 1
        operands, round_ups = [], []
        for part in range(2):
            value = product_re if part == 0 else product_im
            for code, pair in candidates.items():
                value = Mux(kind[2] == code, pair[part] << cut, value)
            operand_now = Signal(signed(width), name=f"operand{part}_now")
            m.d.comb += operand_now.eq(value)
            operands.append(stage_register(f"operand{part}_4", signed(width), operand_now))
            round_ups.append([stage_register(f"round_up{part}_{extra}_4", 1,
                                             _round_up(operand_now, cut + extra, fmt.rounding))
                              for extra in (0, 1)])
        shift4 = shift[3]

        # Register 5: one adder, the schedule's shift chosen.
        rounded = []
        for part in range(2):
            no_shift = (operands[part] >> cut) + round_ups[part][0]
            with_shift = (operands[part] >> (cut + 1)) + round_ups[part][1]
            rounded.append(stage_register(f"rounded{part}_5", signed(wide + 2),
                                          Mux(shift4, with_shift, no_shift)))

        # Register 6: saturation.
        with m.If(self.advance):
            m.d.sync += [
                self.y.re.eq(saturate_expr(rounded[0], self.out_width)),
                self.y.im.eq(saturate_expr(rounded[1], self.out_width)),
                self.y_tag.eq(tag[4]),
                self.y_schedule.eq(schedule[4]),
            ]
        return m


def named(m, name, value):
    """A signal ``name`` driven combinationally from ``value`` in module ``m``."""
    signal = Signal(value.shape(), name=name)
    m.d.comb += signal.eq(value)
    return signal


#: What :func:`step_lookahead` predicts for the next cycle.
Lookahead = namedtuple("Lookahead", "boundary phantom waiting available space")


def step_lookahead(m, *, go, real, popped, pushed_in, pushed_out, delivered, at_last,
                   at_boundary, phantom, in_pipeline, input_level, output_level, buffer):
    """Next cycle's flow-control state, from this cycle's registers and handshakes, written as
    LUT logic over the small deltas (no adders: these feed the registered step enable ``go``).

    Each field equals a reference sum (proven by ``fdagen formal``, proof ``fft-lookahead``,
    for every input within the FIFOs' ranges):

    ``boundary``
        the next step starts a frame: ``at_last`` if a step is taken, else ``at_boundary``;
    ``phantom``
        the frame being fed is a flush: decided at a boundary step (``~real``);
    ``waiting``
        ``in_pipeline + popped - pushed_out != 0``: samples still in flight;
    ``available``
        ``input_level + pushed_in - popped != 0``: the input buffer holds a sample
        (a pop needs a word, so ``input_level >= popped``);
    ``space``
        ``output_level + pushed_out - delivered + go + 1 <= buffer``: the output buffer can take
        the sample a step next cycle writes (pushed the cycle after), counting the one this
        cycle's step writes (pushed next cycle).
    """
    boundary = named(m, "boundary_next", Mux(go, at_last, at_boundary))
    phantom_next = named(m, "phantom_next", Mux(go & at_boundary, ~real, phantom))
    # in_pipeline + popped - pushed_out != 0
    waiting = named(m, "waiting_next", Mux(
        popped & ~pushed_out, 1,
        Mux(~popped & pushed_out, in_pipeline != 1, in_pipeline != 0)))
    available = named(m, "available_next",
                      pushed_in | Mux(popped, input_level >= 2, input_level >= 1))
    # output_level <= limit, limit = buffer - 1 - (pushed_out + go - delivered)
    up = Cat(pushed_out & go & ~delivered,                                  # +2
             (pushed_out ^ go) & ~delivered | pushed_out & go & delivered,  # +1
             ~(pushed_out | go) & delivered)                                # -1
    top = buffer - 1
    space = named(m, "space_next", Mux(up[0], output_level <= top - 2,
                                       Mux(up[1], output_level <= top - 1,
                                           Mux(up[2], 1,                    # level <= top+1
                                               output_level <= top))))
    return Lookahead(boundary, phantom_next, waiting, available, space)


class FFTCore(wiring.Component):
    """Streaming R2SDF FFT/IFFT, bit-exact with the golden model (see the module docstring).

    Parameters
    ----------
    fmt : :class:`fdagen.golden.fft.FFTFormat`
        Size, widths, scaling, rounding, direction and output order.
    runtime_schedule : bool
        Take the per-stage shifts from the ``schedule`` port (each frame) instead of
        ``fmt.scaling``; the word width stays constant. ``fmt.scaling`` must then not be
        ``"growth"``.
    runtime_length : bool
        Take the transform length from the ``length_shift`` port. Needs ``runtime_schedule``
        (a shorter transform has fewer stages to scale) and bit-reversed output order.
    dsp : str
        How each stage's four real products are registered (:mod:`fdagen.gateware.common.dsp`):
        ``"generic"`` (``*`` and a fabric register; portable), or ``"ecp5"``: in the output
        register of a Lattice ECP5 MULT18X18D instance, for every stage whose operands fit
        18 x 18 bits (the others stay generic). The same cycle behaviour and bits; the Verilog
        of an ``"ecp5"`` core instantiates ``MULT18X18D`` (simulate it with
        :func:`~fdagen.gateware.common.dsp.mult18x18d_model`; Amaranth's simulator cannot).
    """

    #: Depth of the input and output buffers that let the step enable be a register.
    BUFFER = 4

    @staticmethod
    def sample_layout(width):
        """Stream payload: ``re``, ``im`` (signed ``width``) and ``last``."""
        return data.StructLayout({"re": signed(width), "im": signed(width),
                                  "last": unsigned(1)})

    def __init__(self, fmt, *, runtime_schedule=False, runtime_length=False, dsp="generic"):
        if not isinstance(fmt, FFTFormat):
            raise ParameterTypeError(f"FFT format must be an FFTFormat, not {fmt!r}")
        self._dsp = check_dsp(dsp)
        if runtime_schedule and fmt.scaling == "growth":
            raise ParameterError("FFT scaling must be a schedule (not growth) with a runtime "
                                 "schedule")
        if runtime_length and not runtime_schedule:
            raise ParameterError("FFT schedule must be a runtime schedule with a runtime length, "
                                 "not fixed")
        if runtime_length and fmt.order != "bitrev":
            raise ParameterError("FFT output order must be bitrev with a runtime length, not "
                                 f"{fmt.order}")
        self._fmt = fmt
        self._runtime_schedule = bool(runtime_schedule)
        self._runtime_length = bool(runtime_length)
        members = {
            "i": In(stream.Signature(self.sample_layout(fmt.data_width))),
            "o": Out(stream.Signature(self.sample_layout(fmt.output_width))),
        }
        if runtime_schedule:
            members["schedule"] = In(fmt.stages)
        if runtime_length:
            members["length_shift"] = In(range(fmt.stages))
        super().__init__(members)

    @property
    def fmt(self):
        return self._fmt

    @property
    def dsp(self):
        """How the products are registered: ``"generic"`` or ``"ecp5"``."""
        return self._dsp

    @property
    def mult18_stages(self):
        """The stages whose four products sit in MULT18X18D output registers (none unless
        ``dsp="ecp5"``)."""
        return [s for s in range(self._fmt.stages) if _in_mult18(self._fmt, s, self._dsp)]

    @property
    def capacity(self):
        """Upper bound on samples accepted but not yet delivered (output stalled): the two
        buffers, the input register and the pipeline, plus a natural-order frame memory."""
        return self.capacity_of(self._fmt)

    @classmethod
    def capacity_of(cls, fmt):
        """:attr:`capacity` of a core of format ``fmt``, without building one."""
        held = 2 * cls.BUFFER + 1 + fmt.n - 1 + _Stage.PIPELINE * fmt.stages + 2
        return held + (2 * fmt.n if fmt.order == "natural" else 0)

    @property
    def latency(self):
        """Clocks at full rate from accepting a frame's first sample to presenting its first
        output sample (bit-reversed order: output index i follows input index i by as much)."""
        return fft_core_latency(self._fmt.n, self._fmt.order)

    def latency_at(self, length_shift):
        """:attr:`latency` at a run-time length ``N >> length_shift`` (bit-reversed order, the
        only one a run-time length has)."""
        return fft_core_latency(self._fmt.n, self._fmt.order, length_shift)

    def elaborate(self, platform):
        m = Module()
        fmt = self._fmt
        n, stages = fmt.n, fmt.stages

        offsets, offset = [], 1          # 1: the register in front of stage 0
        for s in range(stages):
            offsets.append(offset)
            offset += (n >> (s + 1)) + _Stage.PIPELINE
        runtime_length = self._runtime_length
        stage_units = [_Stage(fmt, s, offsets[s], stages, skippable=runtime_length,
                              dsp=self._dsp) for s in range(stages)]
        for s, unit in enumerate(stage_units):
            m.submodules[f"stage{s}"] = unit

        # Flow control. The pipeline moves one step on cycles when `go` is high. `go` drives
        # the enable of every pipeline register and delay line, so it is itself a register:
        # each cycle decides the next one from the buffer levels and this cycle's handshakes.
        # Small FIFOs at both ends make that look-ahead possible (and make i.ready and o.valid
        # registered).
        sample = self.sample_layout(fmt.data_width)
        entry = data.StructLayout({"sample": sample, "schedule": unsigned(stages)})
        m.submodules.input_buffer = inbuf = SyncFIFO(width=entry.size, depth=self.BUFFER)
        m.submodules.output_buffer = outbuf = SyncFIFO(
            width=self.sample_layout(fmt.output_width).size, depth=self.BUFFER)
        head = data.View(entry, inbuf.r_data)
        pushed_in = inbuf.w_en & inbuf.w_rdy
        if self._runtime_schedule:
            port_schedule = self.schedule
        else:
            port_schedule = Const(sum(bit << s for s, bit in enumerate(fmt.shifts)), stages)
        # The length in use: `skip` leading stages pass samples through; a frame ends at
        # `last_index`. A different `length_shift` closes the input until the core is empty.
        last_index = Const(n - 1, range(n))
        changing = Const(0)
        if runtime_length:
            skip = Signal(range(stages), name="length_skip")
            last_index = Signal(range(n), name="frame_last_index", init=n - 1)
            changing = Signal()
            m.d.comb += changing.eq(self.i.valid & (self.length_shift != skip))
            port_schedule = (port_schedule << skip)[:stages]
        m.d.comb += [
            inbuf.w_data.eq(Cat(self.i.payload, port_schedule)),
            inbuf.w_en.eq(self.i.valid & ~changing),
            self.i.ready.eq(inbuf.w_rdy & ~changing),
        ]

        go = Signal()                  # advance the pipeline this cycle
        real = Signal()                # ... consuming an input sample (else a phantom zero)
        count = Signal(range(n))       # input index within the frame being fed
        at_boundary = Signal(init=1)   # count == 0
        phantom = Signal()             # the frame being fed (when not at a boundary) is a flush
        frame_schedule = Signal(stages)
        in_pipeline = Signal(range(2 * n + _Stage.PIPELINE * stages + 2 * self.BUFFER))
        fresh = Signal()               # the last stage's output register was just written

        popped = go & real
        pushed_out = Signal()
        last_unit = stage_units[-1]
        m.d.comb += [inbuf.r_en.eq(popped), pushed_out.eq(fresh & last_unit.y_tag)]
        delivered = outbuf.r_rdy & outbuf.r_en     # whoever drains the output buffer

        # Next cycle's view, from registers and this cycle's handshakes.
        ahead = step_lookahead(
            m, go=go, real=real, popped=popped, pushed_in=pushed_in, pushed_out=pushed_out,
            delivered=delivered, at_last=count == last_index, at_boundary=at_boundary,
            phantom=phantom, in_pipeline=in_pipeline, input_level=inbuf.level,
            output_level=outbuf.level, buffer=self.BUFFER)
        real_next = named(m, "real_next", ahead.space & ahead.available
                          & (ahead.boundary | ~ahead.phantom))
        # A phantom frame, once begun, runs to its end whatever the input does.
        flush_next = named(m, "flush_next", ahead.space & Mux(
            ahead.boundary, ~ahead.available & ahead.waiting, ahead.phantom))
        m.d.sync += [
            go.eq(real_next | flush_next),
            real.eq(real_next),
            fresh.eq(go),
            in_pipeline.eq(in_pipeline + popped - pushed_out),
        ]
        schedule_now = Mux(at_boundary, head.schedule, frame_schedule)
        with m.If(go):
            m.d.sync += [count.eq(Mux(count == last_index, 0, count + 1)),
                         at_boundary.eq(count == last_index)]
            with m.If(at_boundary):
                m.d.sync += [phantom.eq(~real), frame_schedule.eq(schedule_now)]
        if runtime_length:
            # A new length, taken once no sample is in the core (the input is closed while
            # `changing`, so none arrives): the stages' block counters go back to the frame
            # origin and the skipped stages turn to pass-through.
            restart = Signal()
            m.d.comb += restart.eq(changing & at_boundary & ~go & (in_pipeline == 0)
                                   & (inbuf.level == 0))
            skipped = Signal(stages, name="stages_skipped")
            with m.If(restart):
                m.d.sync += [
                    skip.eq(self.length_shift),
                    last_index.eq((n - 1) >> self.length_shift),
                    # the first length_shift stages: a thermometer code
                    skipped.eq(Array(Const((1 << k) - 1, stages)
                                     for k in range(stages))[self.length_shift]),
                ]
            for s, unit in enumerate(stage_units):
                m.d.comb += [unit.restart.eq(restart), unit.bypass.eq(skipped[s])]

        # A register between the input buffer's read and stage 0 (one more step of latency).
        first = stage_units[0]
        with m.If(go):
            m.d.sync += [
                first.x.re.eq(Mux(real, head.sample.re, 0)),
                first.x.im.eq(Mux(real, head.sample.im, 0)),
                first.tag.eq(real),
                first.schedule.eq(Mux(real, schedule_now, frame_schedule)),
            ]
        for unit in stage_units:
            m.d.comb += unit.advance.eq(go)
        for before, after in zip(stage_units, stage_units[1:]):
            m.d.comb += [after.x.eq(before.y), after.tag.eq(before.y_tag),
                         after.schedule.eq(before.y_schedule)]

        # Output: real samples leave the last stage into the output buffer.
        out_count = Signal(range(n))
        with m.If(pushed_out):
            m.d.sync += out_count.eq(Mux(out_count == last_index, 0, out_count + 1))
        result = data.View(self.sample_layout(fmt.output_width), outbuf.w_data)
        m.d.comb += [
            result.re.eq(last_unit.y.re),
            result.im.eq(last_unit.y.im),
            result.last.eq(out_count == last_index),
            outbuf.w_en.eq(pushed_out),
        ]
        if fmt.order == "bitrev":
            m.d.comb += [
                self.o.valid.eq(outbuf.r_rdy),
                self.o.payload.eq(outbuf.r_data),
                outbuf.r_en.eq(self.o.ready),
            ]
            return m

        # Natural order: each frame is written at bit-reversed addresses into one bank of a
        # double-buffered frame memory and read out in order (bitrev(N-1) = N-1, so the stored
        # `last` flags stay on the final sample).
        m.submodules.reorder = reorder = TileBuffer(self.sample_layout(fmt.output_width), n)
        position = Signal(range(n))
        address = Signal(range(n))
        m.d.comb += [
            reorder.write_en.eq(outbuf.r_rdy),
            outbuf.r_en.eq(reorder.write_ready),
            reorder.write_addr.eq(position[::-1]),
            reorder.write_data.eq(outbuf.r_data),
            reorder.write_first.eq(position == 0),
            reorder.write_last.eq(position == n - 1),
            reorder.read_addr.eq(address),
            reorder.read_last.eq(address == n - 1),
            self.o.valid.eq(reorder.out_valid),
            reorder.out_ready.eq(self.o.ready),
            self.o.payload.eq(reorder.out_data),
        ]
        with m.If(outbuf.r_rdy & reorder.write_ready):
            m.d.sync += position.eq(position + 1)         # wraps at n
        with m.If(reorder.fetch):
            m.d.sync += address.eq(address + 1)           # wraps at n
        return m
