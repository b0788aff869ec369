"""One bin lane's complex matrix-vector products on ReRAM crossbars: the digital periphery
around the crossbar macros (:mod:`fdagen.gateware.pe.xbar`).

``Y[m] = sum_c X[c] W_s[m, c]`` for up to ``channels`` inputs, ``outputs`` outputs and ``sets``
weight sets ``W_s`` (one per output-channel group and bin step of the lane), with the
arithmetic of :func:`fdagen.golden.crossbar.crossbar_mac`, bit for bit:

- The sets are stacked down the rows of the macros as
  :class:`fdagen.arch.crossbar_layout.CrossbarLayout` places them: input channel ``c`` of set
  ``s`` in row slice ``c div rows`` (one macro per slice, side by side), ``sets_per_macro``
  sets per macro. Every macro's columns are the same: column ``(m * 2 + part) * J + j`` holds
  cell ``j`` (least significant first) of output ``m``'s weight part (0 ``W_re``, 1 ``W_im``)
  in offset binary, ``J = ceil(weight_width / cell_bits)``. Each macro's ADC ``a`` serves
  columns ``a * adc_share .. a * adc_share + adc_share - 1``.
- **Programming** (``prog_*``, one complex weight of set ``prog_set`` per handshake): for each
  of its ``2 J`` cells, write-verify: a pulse, then a verify read; the cell is done when the
  level read back is its target, or after ``max_attempts`` pulses, when it counts as a
  failure (``failures``; never silently wrong).
- **An operation** (``start`` with ``set``, ``active``, ``x_re``, ``x_im``, ``adc_shift``):
  inputs ``c >= active`` count as 0 and their rows stay undriven. For each phase (``Re(x)``,
  then ``Im(x)``) and each input slice (the low ``data_width - 1`` bits ``dac_bits`` at a time,
  then the sign bit), one read of the set's macros that hold any of the ``active`` channels
  (the set's rows driven, the others' enables low), then ``adc_share`` conversions, one per clock,
  the ADC mux stepping through its columns; every code is shifted into place (``2**(cell_bits
  j)``, the slice's weight) and added into the sum of its phase, part and output, over the
  row slices. Then the offset encoding's share, ``2**(weight_width - 1) sum_c x_c`` per phase,
  is subtracted, the sums are scaled by ``2**adc_shift``, and ``Y_re = sum Re*W_re - sum
  Im*W_im``, ``Y_im = sum Re*W_im + sum Im*W_re`` are the result (``result_valid`` for one
  clock; held until the next). From ``start`` to the next ``start`` taken:
  :meth:`fdagen.arch.pe_kinds.ReRAMPE.issue_interval` clocks.
- ``ready`` is high when neither programming nor an operation is under way and no weight is
  offered (``prog_valid`` wins); ``adc_shift`` must not exceed ``max_shift`` (the
  accumulators are sized for it).

Counters (32 bits, from reset or the last ``clear``): ``reads`` (macro reads),
``dac_conversions`` (driven rows of every read), ``conversions`` (ADC conversions),
``shift_adds`` (codes added into the sums), ``pulses`` (programming pulses), ``verifies``
(verify reads), ``failures`` (cells whose write-verify never passed).

The macros come from ``blocks`` (:meth:`fdagen.gateware.blocks.BlockLibrary.xbar`): the
behavioural model in place, or the ``<top>_xbar`` black box in generated Verilog.
"""


from amaranth import Cat, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from fdagen.arch.crossbar_layout import CrossbarLayout
from fdagen.golden.checks import ParameterError, ParameterTypeError, check_range
from fdagen.golden.crossbar import CrossbarFormat, crossbar_accumulator_width
from fdagen.gateware.pe.xbar import XbarModel, XbarSignature, index_bits, tree_sum

__all__ = ["CrossbarArray"]


class CrossbarArray(wiring.Component):
    """See the module docstring.

    Parameters
    ----------
    fmt : :class:`fdagen.golden.crossbar.CrossbarFormat`
        Rows, cell, DAC and ADC bits (``adc_bits`` None: full resolution) and the level
        fraction bits of the behavioural macros.
    adc_share : int
        Columns per ADC.
    data_width, weight_width, channels, outputs : int
    sets : int
        Weight sets held.
    max_shift : int
        Largest ``adc_shift``.
    max_attempts : int
        Write-verify pulses per cell.
    device_maps : list or None
        One :class:`~fdagen.golden.crossbar.DeviceMap` per macro for the behavioural models
        (None: ideal cells); only with the macros in place.
    pulse_cycles : int
        The macros' programming pulse length.
    blocks : :class:`fdagen.gateware.blocks.BlockLibrary` or None
        Where the macros come from (None: the behavioural model in place).
    """

    def __init__(self, fmt=CrossbarFormat(), adc_share=8, data_width=16, weight_width=16,
                 channels=8, outputs=4, sets=1, max_shift=8, max_attempts=8, device_maps=None,
                 pulse_cycles=1, blocks=None):
        try:
            self._configure(fmt, adc_share, data_width, weight_width, channels, outputs, sets,
                            max_shift, max_attempts, device_maps, pulse_cycles, blocks)
        except (ParameterError, ParameterTypeError):
            self._MustUse__silence = True       # refused, not "created but never used"
            raise
        counter = unsigned(32)
        channels, outputs = self.channels, self.outputs
        weight_width, data_width, max_shift = self.weight_width, self.data_width, self.max_shift
        super().__init__({
            "prog_valid": In(1), "prog_ready": Out(1),
            "prog_set": In(index_bits(self.sets)),
            "prog_m": In(index_bits(outputs)), "prog_c": In(index_bits(channels)),
            "prog_re": In(signed(weight_width)), "prog_im": In(signed(weight_width)),
            "start": In(1), "ready": Out(1),
            "set": In(index_bits(self.sets)), "active": In(range(channels + 1)),
            "x_re": In(data.ArrayLayout(signed(data_width), channels)),
            "x_im": In(data.ArrayLayout(signed(data_width), channels)),
            "adc_shift": In(index_bits(max_shift + 1)),
            "result_valid": Out(1),
            "result_re": Out(data.ArrayLayout(signed(self.acc_width), outputs)),
            "result_im": Out(data.ArrayLayout(signed(self.acc_width), outputs)),
            "reads": Out(counter), "dac_conversions": Out(counter), "conversions": Out(counter),
            "shift_adds": Out(counter), "pulses": Out(counter), "verifies": Out(counter),
            "failures": Out(counter), "clear": In(1),
        })

    def _configure(self, fmt, adc_share, data_width, weight_width, channels, outputs, sets,
                   max_shift, max_attempts, device_maps, pulse_cycles, blocks):
        check_range("accelerator word width", data_width, "data width")
        check_range("accelerator word width", weight_width, "weight width")
        check_range("channels", channels, "input channels")
        check_range("channels", outputs, "output channels")
        check_range("write-verify attempts", max_attempts)
        if not (isinstance(sets, int) and sets >= 1):
            raise ParameterError(f"weight sets must be a positive integer, not {sets!r}")
        self.fmt, self.adc_share = fmt, adc_share
        self.data_width, self.weight_width = data_width, weight_width
        self.channels, self.outputs, self.sets = channels, outputs, sets
        self.max_shift, self.max_attempts = max_shift, max_attempts
        self.cells = fmt.cells(weight_width)
        self.layout = CrossbarLayout(fmt.rows, channels, sets)
        self.crossbars = self.layout.macros
        columns = outputs * 2 * self.cells
        if not (isinstance(adc_share, int) and adc_share >= 1 and columns % adc_share == 0):
            raise ParameterError(f"ADC share must divide the crossbar columns ({outputs} "
                                 f"outputs x 2 parts x {self.cells} cells = {columns}), not "
                                 f"{adc_share}")
        self.xbar = XbarSignature(fmt.rows, columns, fmt.cell_bits, fmt.dac_bits,
                                  fmt.resolution, adc_share, max_shift, pulse_cycles)
        if device_maps is not None and len(device_maps) != self.crossbars:
            raise ParameterError(f"device maps must be one per crossbar ({self.crossbars}), "
                                 f"not {len(device_maps)}")
        if device_maps is not None and blocks is not None and blocks.separate:
            raise ParameterError("device maps must be loaded into the behavioural macros in "
                                 "place, not given to black-box macros")
        for device_map in device_maps or ():
            if device_map.max_attempts != max_attempts:
                raise ParameterError(f"write-verify attempts must be the device maps' "
                                     f"({device_map.max_attempts}), not {max_attempts}")
        self.device_maps, self._blocks = device_maps, blocks
        self.acc_width = crossbar_accumulator_width(fmt, data_width, weight_width, channels,
                                                    max_shift)
        if self.acc_width > 62:
            raise ParameterError(f"crossbar accumulator width must be at most 62 bits (the "
                                 f"golden model's), not {self.acc_width}")

    def _macro(self, index):
        if self._blocks is not None and self._blocks.separate:
            return self._blocks.xbar(self.xbar, self.fmt.frac_bits, self.max_attempts)
        return XbarModel(self.xbar, self.fmt.frac_bits,
                         None if self.device_maps is None else self.device_maps[index],
                         self.max_attempts)

    def elaborate(self, platform):
        m = Module()
        fmt, xbar, layout = self.fmt, self.xbar, self.layout
        rows, cells, share = fmt.rows, self.cells, self.adc_share
        q_count, per_macro = layout.row_slices, layout.sets_per_macro
        dw, ww, d, b = self.data_width, self.weight_width, fmt.dac_bits, fmt.cell_bits
        macros = []
        for g in range(self.crossbars):
            macro = self._macro(g)
            m.submodules[f"xbar{g}"] = macro
            macros.append(macro)
        local_bits = per_macro.bit_length() - 1           # set = block * per_macro + local

        def split(weight_set):
            """(block, local) of a set index: bit selects (sets_per_macro is a power of two)."""
            block = weight_set[local_bits:] if local_bits < len(weight_set) else 0
            return block, (weight_set[:local_bits] if local_bits else 0)

        # -- programming: write-verify of each cell of the latched weight --------------------
        pm = Signal.like(self.prog_m, name="pm")
        pc = Signal.like(self.prog_c, name="pc")
        ps = Signal.like(self.prog_set, name="ps")
        offset = [Signal(ww, name=f"code_{part}") for part in ("re", "im")]  # offset binary
        part = Signal(name="part")
        cell = Signal(range(max(2, cells)), name="cell")
        attempt = Signal(range(self.max_attempts + 1), name="attempt")
        unsigned_code = Mux(part, offset[1], offset[0])
        target = Signal(b, name="target")
        m.d.comb += target.eq(unsigned_code >> (cell * b))
        column = Signal(range(xbar.columns), name="column")
        m.d.comb += column.eq((pm * 2 + part) * cells + cell)
        p_block, p_local = split(ps)
        row = Signal(index_bits(rows), name="prog_row")
        macro = Signal(index_bits(self.crossbars), name="prog_macro")
        m.d.comb += [row.eq(p_local * layout.rows_per_set + (pc % rows if q_count > 1 else pc)),
                     macro.eq(p_block * q_count + (pc // rows if q_count > 1 else 0))]
        busy = Cat(*[x.busy for x in macros]).any()
        verified = Signal(b, name="verified")
        verify_valid = Signal(name="verify_valid")
        for g, x in enumerate(macros):
            with m.If(macro == g):
                m.d.comb += [verified.eq(x.verify_level), verify_valid.eq(x.verify_valid)]
        # only the addressed macro sees the cell address (the others' inputs stay still: no
        # toggling, and a quick simulation of the behavioural models)
        for g, x in enumerate(macros):
            with m.If(macro == g):
                m.d.comb += [x.prog_row.eq(row), x.prog_col.eq(column), x.prog_level.eq(target)]

        # -- operation: phases, slices, conversions -------------------------------------------
        phase = Signal(name="phase")
        slice_ = Signal(range(fmt.slices(dw)), name="slice")
        sel = Signal(range(max(2, share)), name="sel")
        last_slice = fmt.slices(dw) - 1
        adc_shift = Signal.like(self.adc_shift, name="adc_shift_held")
        active = Signal.like(self.active, name="active_held")
        held_set = Signal.like(self.set, name="set_held")
        block, local = split(held_set)
        x_re = Signal.like(self.x_re, name="x_re_held")
        x_im = Signal.like(self.x_im, name="x_im_held")
        low = data.ArrayLayout(unsigned(dw - 1), self.channels)
        bits = Signal(low, name="bits")           # the phase's low bits, shifted per slice
        # the row slices holding any of the operation's channels, and how many
        live = Signal(q_count, name="live_slices")
        live_count = Signal(range(q_count + 1), name="live_count")
        for q in range(q_count):
            m.d.comb += live[q].eq(active > q * rows)
        m.d.comb += live_count.eq(tree_sum(live[q] for q in range(q_count)))
        reading = [Signal(name=f"reading{g}") for g in range(self.crossbars)]
        for g, x in enumerate(macros):
            blk, q = divmod(g, q_count)
            m.d.comb += reading[g].eq((block == blk) & live[q])
            # a macro the operation does not read keeps its inputs still (as above)
            with m.If(reading[g]):
                for r in range(rows):
                    placed = layout.row_channel(r)
                    c = None if placed is None else q * rows + placed[1]
                    if c is not None and c < self.channels:
                        sign = Mux(phase, x_im[c], x_re[c])[dw - 1]
                        m.d.comb += [x.row_dac[r].eq(Mux(slice_ == last_slice, sign, bits[c])),
                                     x.row_en[r].eq((local == placed[0]) & (active > c))]
                m.d.comb += [x.adc_sel.eq(sel), x.adc_shift.eq(adc_shift)]

        # conversions come back one clock later with what they were for
        codes_for = data.StructLayout({"phase": 1, "slice": range(fmt.slices(dw)),
                                       "sel": range(max(2, share))})
        pending = Signal(codes_for, name="pending")
        m.d.sync += [pending.phase.eq(phase), pending.slice.eq(slice_), pending.sel.eq(sel)]
        arrived = Cat(*[x.adc_valid for x in macros]).any()

        # The codes of the operation's block, per row slice (0 for a slice with no channel).
        code = unsigned(xbar.adc_bits)
        slice_codes = [Signal(data.ArrayLayout(code, xbar.adcs), name=f"codes_q{q}")
                       for q in range(q_count)]
        for q in range(q_count):
            with m.If(live[q]):
                with m.Switch(block):
                    for blk in range(layout.blocks):
                        with m.Case(blk):
                            m.d.comb += slice_codes[q].eq(macros[blk * q_count + q].adc_code)

        # Sums per phase, part and output, before the ADC shift and the offset share.
        acc = [[[Signal(signed(self.acc_width), name=f"sum_{'ri'[p]}{'ri'[q]}{o}")
                 for o in range(self.outputs)] for q in range(2)] for p in range(2)]
        weight_shift = Signal(range(dw), name="slice_shift")     # d * slice of the pending
        m.d.comb += weight_shift.eq(pending.slice * d)
        for q in range(2):
            for o in range(self.outputs):
                # this output's part: cells j at columns (o * 2 + q) * J + j on every macro
                terms = []
                for j in range(cells):
                    col = (o * 2 + q) * cells + j
                    a, h = divmod(col, share)
                    for codes in slice_codes:
                        terms.append(Mux(pending.sel == h, codes[a], 0) << (b * j))
                value = Signal(range(q_count * (1 << (b * cells + fmt.resolution)) + 1),
                               name=f"codes_{'ri'[q]}{o}")
                m.d.comb += value.eq(tree_sum(terms))
                weighted = Mux(pending.slice == last_slice, -(value << (dw - 1)),
                               value << weight_shift)
                with m.If(arrived):
                    for p in range(2):
                        with m.If(pending.phase == p):
                            m.d.sync += acc[p][q][o].eq(acc[p][q][o] + weighted)

        half = 1 << (ww - 1)
        share_of = [Signal(signed(dw + ww + max(1, (self.channels - 1).bit_length()) + 1),
                           name=f"offset_{'ri'[p]}") for p in range(2)]
        m.d.comb += [share_of[0].eq(tree_sum(x_re[c] for c in range(self.channels)) * half),
                     share_of[1].eq(tree_sum(x_im[c] for c in range(self.channels)) * half)]

        def counted(counter, amount=1):
            m.d.sync += counter.eq(counter + amount)

        with m.If(arrived):
            counted(self.shift_adds, live_count * xbar.adcs)
        m.d.sync += self.result_valid.eq(0)
        with m.FSM(name="fsm"):
            with m.State("IDLE"):
                # programming first: a start offered with a weight waits (ready low)
                m.d.comb += [self.ready.eq(~self.prog_valid), self.prog_ready.eq(1)]
                with m.If(self.prog_valid):
                    m.d.sync += [pm.eq(self.prog_m), pc.eq(self.prog_c), ps.eq(self.prog_set),
                                 part.eq(0), cell.eq(0), attempt.eq(0),
                                 offset[0].eq(self.prog_re + half),
                                 offset[1].eq(self.prog_im + half)]
                    m.next = "PULSE"
                with m.Elif(self.start):
                    used = [self.active > c for c in range(self.channels)]
                    m.d.sync += [
                        *[x_re[c].eq(Mux(used[c], self.x_re[c], 0)) for c in range(self.channels)],
                        *[x_im[c].eq(Mux(used[c], self.x_im[c], 0)) for c in range(self.channels)],
                        *[bits[c].eq(Mux(used[c], self.x_re[c], 0)) for c in range(self.channels)],
                        phase.eq(0), slice_.eq(0), sel.eq(0), adc_shift.eq(self.adc_shift),
                        active.eq(self.active), held_set.eq(self.set)]
                    m.d.sync += [acc[p][q][o].eq(0) for p in range(2) for q in range(2)
                                 for o in range(self.outputs)]
                    m.next = "READ"
            with m.State("PULSE"):
                with m.If(~busy):
                    for g, x in enumerate(macros):
                        m.d.comb += x.prog_pulse.eq(macro == g)
                    m.d.sync += attempt.eq(attempt + 1)
                    counted(self.pulses)
                    m.next = "SETTLE"
            with m.State("SETTLE"):
                with m.If(~busy):
                    for g, x in enumerate(macros):
                        m.d.comb += x.verify.eq(macro == g)
                    counted(self.verifies)
                    m.next = "CHECK"
            with m.State("CHECK"):                 # once the read-back arrives
                passed = verified == target
                with m.If(verify_valid & (passed | (attempt == self.max_attempts))):
                    with m.If(~passed):
                        counted(self.failures)
                    m.d.sync += [attempt.eq(0), cell.eq(cell + 1)]
                    m.next = "PULSE"
                    with m.If(cell == cells - 1):
                        m.d.sync += [cell.eq(0), part.eq(1)]
                        with m.If(part == 1):
                            m.next = "IDLE"
                with m.Elif(verify_valid):
                    m.next = "PULSE"
            with m.State("READ"):
                for g, x in enumerate(macros):
                    m.d.comb += x.read.eq(reading[g])
                counted(self.reads, live_count)
                counted(self.dac_conversions, active)
                m.d.sync += sel.eq(0)
                m.next = "CONVERT"
            with m.State("CONVERT"):
                for g, x in enumerate(macros):
                    m.d.comb += x.convert.eq(reading[g])
                counted(self.conversions, live_count * xbar.adcs)
                m.d.sync += sel.eq(sel + 1)
                with m.If(sel == share - 1):
                    m.d.sync += [sel.eq(0), slice_.eq(slice_ + 1)]
                    m.d.sync += [bits[c].eq(bits[c] >> d) for c in range(self.channels)]
                    m.next = "READ"
                    with m.If(slice_ == last_slice):
                        m.d.sync += [slice_.eq(0), phase.eq(1)]
                        m.d.sync += [bits[c].eq(x_im[c]) for c in range(self.channels)]
                        with m.If(phase == 1):
                            m.next = "COMBINE"
            with m.State("COMBINE"):      # once the last conversion's codes are added
                with m.If(~arrived):
                    shift = adc_shift
                    sums = [[[(acc[p][q][o] << shift) - share_of[p] for o in range(self.outputs)]
                             for q in range(2)] for p in range(2)]
                    for o in range(self.outputs):
                        m.d.sync += [self.result_re[o].eq(sums[0][0][o] - sums[1][1][o]),
                                     self.result_im[o].eq(sums[0][1][o] + sums[1][0][o])]
                    m.d.sync += self.result_valid.eq(1)
                    m.next = "IDLE"
        with m.If(self.clear):
            m.d.sync += [counter.eq(0) for counter in (
                self.reads, self.dac_conversions, self.conversions, self.shift_adds, self.pulses,
                self.verifies, self.failures)]
        return m
