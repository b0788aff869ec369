"""The ReRAM crossbar macro: its port contract, and a behavioural model for simulation.

One macro is one crossbar of ``rows`` x ``columns`` cells of ``cell_bits`` bits, with a DAC per
row, an ADC per ``adc_share`` columns (column ``c`` is input ``c mod adc_share`` of ADC ``c div
adc_share``) and a programming port. The accelerator is to instantiate it as a black box
(``<top>_xbar``) that a foundry macro with these ports replaces; that integration is not
built yet (issue 12), and :class:`~fdagen.gateware.pe.crossbar_array.CrossbarArray`
instantiates :class:`XbarModel` directly. The arithmetic is :mod:`fdagen.golden.crossbar`'s.
The macro does one thing at a time: while ``busy`` it ignores every request, and of requests
in one clock a pulse wins over a verify. Members, directions as seen from the macro:

``row_dac`` (in, ``rows`` x ``dac_bits``), ``row_en`` (in, ``rows``), ``read`` (in)
    ``read`` high for one clock drives every enabled row with its unsigned DAC code (a
    disabled row is driven with 0) and holds the drive until the next ``read``; the columns
    carry their sums ``sum_r drive_r * G_rc`` (``G`` a cell's conductance in level units) from
    :attr:`XbarSignature.read_latency` clocks on.
``adc_sel`` (in), ``adc_shift`` (in), ``convert`` (in); ``adc_code`` (out, ``adcs`` x
``adc_bits``), ``adc_valid`` (out)
    ``convert`` high for one clock makes every ADC convert its column ``adc_sel``: ``code =
    clamp(round_half_up(sum / 2**adc_shift), 0, 2**adc_bits - 1)``
    (:func:`fdagen.golden.crossbar.adc_convert`). ``adc_code`` and a one-clock ``adc_valid``
    follow :attr:`XbarSignature.adc_latency` clocks after ``convert``; the codes hold until the
    next conversion.
``prog_row``, ``prog_col``, ``prog_level`` (in), ``prog_pulse`` (in); ``busy`` (out)
    ``prog_pulse`` high for one clock while ``busy`` is low applies one programming pulse
    (SET or RESET, whichever moves the cell toward ``prog_level``; the macro's write driver
    chooses) to cell (``prog_row``, ``prog_col``); ``busy`` is high for the next
    :attr:`XbarSignature.pulse_cycles` clocks, during which the macro ignores requests.
``verify`` (in); ``verify_level`` (out, ``cell_bits``), ``verify_valid`` (out)
    ``verify`` high for one clock while ``busy`` is low reads back the level of cell
    (``prog_row``, ``prog_col``): ``verify_level`` and a one-clock ``verify_valid`` follow
    :attr:`XbarSignature.verify_latency` clocks later. The controller compares it with the
    target and retries (write-verify).

A cell starts at level 0 (formed, reset), a stuck cell at its rail. ``adc_shift`` must not
exceed ``max_shift``. :class:`XbarModel` implements the contract for simulation only,
including a loadable :class:`~fdagen.golden.crossbar.DeviceMap`; it is not meant for
synthesis.
"""

from amaranth import Cat, Const, Module, Mux, Shape, Signal, unsigned
from amaranth.lib import data, memory, wiring
from amaranth.lib.wiring import In, Out

from fdagen.golden.checks import ParameterError, check_int, check_range
from fdagen.golden.crossbar import STUCK_HIGH

__all__ = ["XbarSignature", "XbarModel", "tree_sum", "index_bits"]


def tree_sum(terms):
    """Sum of ``terms`` as a balanced adder tree (a chain of hundreds of additions is too deep
    for Amaranth's expression walkers)."""
    terms = list(terms)
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return terms[0]


def index_bits(count):
    """Bits of an index over ``count`` values (at least one: no zero-width port)."""
    return max(1, (count - 1).bit_length())


class XbarSignature(wiring.Signature):
    """Ports of one crossbar macro (see the module docstring).

    Members
    -------
    rows, columns, cell_bits, dac_bits, adc_bits, adc_share : int
    max_shift : int
        Largest ``adc_shift`` the ADCs take (in cell-level units below the model's fraction
        bits: the model adds its own).
    pulse_cycles : int
        Clocks a programming pulse keeps the macro busy.
    read_latency, adc_latency, verify_latency : int
        Clocks from ``read`` to the first ``convert`` it serves, from ``convert`` to
        ``adc_valid``, from ``verify`` to ``verify_valid``.
    """

    read_latency = 1
    adc_latency = 1
    verify_latency = 1

    def __init__(self, rows, columns, cell_bits, dac_bits, adc_bits, adc_share, max_shift,
                 pulse_cycles=1):
        check_range("crossbar rows", rows)
        check_range("cell bits", cell_bits)
        check_range("DAC bits", dac_bits)
        check_range("ADC bits", adc_bits)
        if not (isinstance(columns, int) and isinstance(adc_share, int) and adc_share >= 1
                and columns >= adc_share and columns % adc_share == 0):
            raise ParameterError(f"crossbar columns must be a positive multiple of the ADC "
                                 f"share ({adc_share}), not {columns}")
        check_int("ADC shift limit", max_shift, 0, 32)
        if not (isinstance(pulse_cycles, int) and 1 <= pulse_cycles <= 1024):
            raise ParameterError(f"pulse cycles must be between 1 and 1024, not {pulse_cycles}")
        self.rows, self.columns, self.cell_bits = rows, columns, cell_bits
        self.dac_bits, self.adc_bits, self.adc_share = dac_bits, adc_bits, adc_share
        self.max_shift, self.pulse_cycles = max_shift, pulse_cycles
        super().__init__({
            "row_dac": In(data.ArrayLayout(unsigned(dac_bits), rows)),
            "row_en": In(rows),
            "read": In(1),
            "adc_sel": In(index_bits(adc_share)),
            "adc_shift": In(index_bits(max_shift + 1)),
            "convert": In(1),
            "adc_code": Out(data.ArrayLayout(unsigned(adc_bits), self.adcs)),
            "adc_valid": Out(1),
            "prog_row": In(index_bits(rows)),
            "prog_col": In(index_bits(columns)),
            "prog_level": In(unsigned(cell_bits)),
            "prog_pulse": In(1),
            "busy": Out(1),
            "verify": In(1),
            "verify_level": Out(unsigned(cell_bits)),
            "verify_valid": Out(1),
        })

    @property
    def adcs(self):
        return self.columns // self.adc_share

    #: ``(port, meaning)`` of every member, for the macro's Verilog header.
    PORT_MEANINGS = (
        ("row_dac", "unsigned DAC code of each row (row r at bits [r*dac_bits +: dac_bits])"),
        ("row_en", "row enables: a disabled row is driven with 0"),
        ("read", "one clock: drive the enabled rows with their codes until the next read"),
        ("adc_sel", "column of each ADC's mux: column a*adc_share + adc_sel on ADC a"),
        ("adc_shift", "ADC right shift (level units), at most the macro's max_shift"),
        ("convert", "one clock: every ADC converts its selected column"),
        ("adc_code", "each ADC's clamp(round_half_up(column sum / 2**adc_shift), 0, "
                     "2**adc_bits - 1), ADC a at bits [a*adc_bits +: adc_bits]; held until the "
                     "next conversion"),
        ("adc_valid", "one clock, adc_latency clocks after convert"),
        ("prog_row", "row of the cell to program or verify"),
        ("prog_col", "column of the cell to program or verify"),
        ("prog_level", "target level of a programming pulse"),
        ("prog_pulse", "one clock while not busy: a SET or RESET pulse toward prog_level"),
        ("busy", "high pulse_cycles clocks after a pulse; every request is ignored while high"),
        ("verify", "one clock while not busy: read back the level of (prog_row, prog_col)"),
        ("verify_level", "the level read back, held until the next verify"),
        ("verify_valid", "one clock, verify_latency clocks after verify"),
    )

    def contract(self):
        """The macro's contract as text lines: geometry, timing, and every port with its
        direction (as seen from the macro), width and meaning."""
        lines = [
            f"ReRAM crossbar macro: {self.rows} rows x {self.columns} columns of "
            f"{self.cell_bits}-bit cells; {self.dac_bits}-bit row DACs; {self.adcs} ADC(s) of "
            f"{self.adc_bits} bits, each shared by {self.adc_share} column(s) through a mux "
            f"(column c: ADC c div {self.adc_share}, input c mod {self.adc_share}).",
            f"Timing: read_latency {self.read_latency}, adc_latency {self.adc_latency}, "
            f"verify_latency {self.verify_latency} clock(s); a programming pulse keeps the "
            f"macro busy for {self.pulse_cycles} clock(s); max_shift {self.max_shift}.",
            "One thing at a time: while busy every request is ignored; of requests in one "
            "clock a pulse wins over a verify.",
            "Ports (direction as seen from the macro; plus clk and rst):",
        ]
        for name, meaning in self.PORT_MEANINGS:
            member = self.members[name]
            direction = "input" if member.flow == In else "output"
            width = Shape.cast(member.shape).width
            lines.append(f"  {name:<13} {direction:<6} {width:>5}  {meaning}")
        return lines

    def __eq__(self, other):
        return type(other) is type(self) and self._key() == other._key()

    def _key(self):
        return (self.rows, self.columns, self.cell_bits, self.dac_bits, self.adc_bits,
                self.adc_share, self.max_shift, self.pulse_cycles)

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"XbarSignature{self._key()}"


class XbarModel(wiring.Component):
    """Behavioural model of the macro (simulation only), bit-exact with
    :mod:`fdagen.golden.crossbar`.

    A cell's conductance is its effective level (``frac_bits`` fraction bits), set when a
    pulse programs it by :func:`~fdagen.golden.crossbar.program_cells`' rule, pulse by pulse:
    a pulse counts the cell's attempt; a stuck cell goes to its rail; otherwise the attempt
    lands (level = target) once the cell's ``misses`` leading attempts have missed, else it
    leaves the ``wrong`` level; when the level is then the target, the attempt count starts
    again (the write-verify sequence for that target is over). A cell whose map says that no
    attempt lands (``misses = max_attempts``) never lands. A sequence a controller abandons
    (after the map's ``max_attempts`` pulses: a cell that never lands, or a stuck cell off its
    target) leaves the count running, and such a cell fails again when programmed again, as
    golden's :func:`~fdagen.golden.crossbar.program_cells` says of it; a controller must
    therefore make exactly the map's ``max_attempts`` attempts. The column sums are in
    ``2**-frac_bits`` level units, so the ADCs shift by ``frac_bits + adc_shift``.

    ``device_map`` is a :class:`~fdagen.golden.crossbar.DeviceMap` of shape ``(rows,
    columns)`` (None: ideal cells; ``max_attempts`` then sizes the attempt counts for maps
    loaded later); it is part of the model's initial memory contents, and a
    simulation can load another into a model instance by writing :meth:`memory_words` into
    its memories (``map`` and ``cells``, one word per column) before any request.
    """

    def __init__(self, signature, frac_bits=8, device_map=None, max_attempts=None):
        shape = (signature.rows, signature.columns)
        try:
            check_range("cell level fraction bits", frac_bits)
            if (device_map is not None and max_attempts is not None
                    and device_map.max_attempts != max_attempts):
                raise ParameterError(f"write-verify attempts must be the device map's "
                                     f"({device_map.max_attempts}), not {max_attempts}")
            if device_map is not None:
                if device_map.gain.shape != shape:
                    raise ParameterError(f"device map must have shape {shape}, not "
                                         f"{device_map.gain.shape}")
                if device_map.gain.max(initial=0) >= 1 << (frac_bits + 1) \
                        or device_map.wrong.max(initial=0) >= 1 << signature.cell_bits:
                    raise ParameterError(f"device map must be drawn for {frac_bits} level "
                                         f"fraction bits and {signature.cell_bits}-bit cells "
                                         f"(gains below {1 << (frac_bits + 1)}, levels below "
                                         f"{1 << signature.cell_bits})")
        except ParameterError:
            self._MustUse__silence = True       # refused, not "created but never used"
            raise
        self.frac_bits, self.device_map = frac_bits, device_map
        # the attempt counts are sized for the controller's attempts (a map loaded later must
        # have been drawn for as many)
        attempts = (device_map.max_attempts if device_map is not None
                    else 1 if max_attempts is None else max_attempts)
        #: The ``misses`` code of a cell on which no attempt lands (the attempt count
        #: saturates there).
        self.never = (1 << attempts.bit_length()) - 1
        super().__init__(signature)

    def _layouts(self):
        """``(map, state, conductance)`` layouts: a cell's device map and programming state
        (one cell per word), and a column's conductances (a field per row)."""
        s, f = self.signature, self.frac_bits
        count = unsigned(self.never.bit_length())
        cell_map = data.StructLayout({"gain": unsigned(f + 1), "stuck": unsigned(2),
                                      "misses": count, "wrong": unsigned(s.cell_bits)})
        state = data.StructLayout({"level": unsigned(s.cell_bits), "count": count})
        return cell_map, state, data.ArrayLayout(unsigned(s.cell_bits + f), s.rows)

    def _cell_fields(self, row, column):
        """``(map fields, initial state fields, initial conductance)`` of cell ``(row,
        column)``: ideal cells without a map; a stuck cell starts at its rail, every other
        cell at level 0."""
        s, f, d = self.signature, self.frac_bits, self.device_map
        if d is None:
            return {"gain": 1 << f, "stuck": 0, "misses": 0, "wrong": 0}, \
                {"level": 0, "count": 0}, 0
        misses, stuck = int(d.misses[row, column]), int(d.stuck[row, column])
        level = (1 << s.cell_bits) - 1 if stuck == STUCK_HIGH else 0
        return ({"gain": int(d.gain[row, column]), "stuck": stuck,
                 "misses": self.never if misses >= d.max_attempts else misses,
                 "wrong": int(d.wrong[row, column])},
                {"level": level, "count": 0}, level << f)

    def memory_words(self):
        """``{memory name: words}`` of this model's device map and initial cell state:
        ``map`` and ``cells`` (a word per cell, cell ``(row, column)`` at ``column * rows +
        row``) and ``conductance`` (a word per column, row ``r``'s conductance at field
        ``r``)."""
        s = self.signature
        cell_map, state, column = self._layouts()
        words = {"map": [], "cells": [], "conductance": []}
        for c in range(s.columns):
            fields = [self._cell_fields(r, c) for r in range(s.rows)]
            words["map"] += [cell_map.const(f[0]).as_value().value for f in fields]
            words["cells"] += [state.const(f[1]).as_value().value for f in fields]
            words["conductance"].append(column.const([f[2] for f in fields]).as_value().value)
        return words

    def elaborate(self, platform):
        m = Module()
        s, f = self.signature, self.frac_bits
        cell_map, state, column_layout = self._layouts()
        rows, share = s.rows, s.adc_share

        # -- storage: a word per cell of its map and programming state, for the programming
        # port; a word per column of its conductances, for the conversions. A pulse writes the
        # cell's state at once and its conductance one clock later (while busy), so that a
        # simulator handles column-wide words only for the conversions and once per pulse.
        words = self.memory_words()
        cell_words = max(2, rows * s.columns)
        mapped = memory.Memory(shape=unsigned(cell_map.size), depth=cell_words,
                               init=words["map"])
        cells = memory.Memory(shape=unsigned(state.size), depth=cell_words, init=words["cells"])
        conductance = memory.Memory(shape=unsigned(column_layout.size),
                                    depth=max(2, s.columns), init=words["conductance"])
        m.submodules["map"], m.submodules["cells"] = mapped, cells
        m.submodules["conductance"] = conductance
        conversions = [conductance.read_port(domain="comb") for _ in range(s.adcs)]
        program_map = mapped.read_port(domain="comb")
        program_cells = cells.read_port(domain="comb")
        write_cell = cells.write_port()
        column_before = conductance.read_port(domain="comb")
        write_column = conductance.write_port()

        busy = Signal(range(s.pulse_cycles + 1), name="busy_cycles")
        idle = busy == 0

        # -- read and convert ------------------------------------------------------------------
        drive = Signal(data.ArrayLayout(unsigned(s.dac_bits), rows), name="drive")
        with m.If(self.read & idle):
            m.d.sync += [drive[r].eq(Mux(self.row_en[r], self.row_dac[r], 0))
                         for r in range(rows)]
        total = f + (1 << len(self.adc_shift)) - 1          # any value of the port, exactly
        half = Signal(total + 1, name="half")
        m.d.comb += half.eq((Const(1, total + 1) << (f + self.adc_shift)) >> 1)
        top = (1 << s.adc_bits) - 1
        for group, port in enumerate(conversions):
            m.d.comb += port.addr.eq(group * share + self.adc_sel if share > 1 else group)
            word = data.View(column_layout, port.data)
            column = tree_sum(drive[r] * word[r] for r in range(rows))
            summed = Signal(max(len(column), len(half)) + 1, name=f"column{group}")
            rounded = Signal.like(summed, name=f"rounded{group}")
            m.d.comb += [summed.eq(column + half), rounded.eq(summed >> (f + self.adc_shift))]
            with m.If(self.convert & idle):
                m.d.sync += self.adc_code[group].eq(Mux(rounded > top, top, rounded))
        m.d.sync += self.adc_valid.eq(self.convert & idle)

        # -- program and verify ----------------------------------------------------------------
        cell_address = Signal(range(cell_words), name="cell_address")
        m.d.comb += cell_address.eq(self.prog_col * rows + self.prog_row)
        m.d.comb += [program_map.addr.eq(cell_address), program_cells.addr.eq(cell_address),
                     write_cell.addr.eq(cell_address)]
        cell = data.View(cell_map, program_map.data)
        now = data.View(state, program_cells.data)
        m.d.comb += self.busy.eq(busy != 0)
        with m.If(busy != 0):
            m.d.sync += busy.eq(busy - 1)
        target = self.prog_level
        count = Signal.like(now.count, name="attempt")
        m.d.comb += count.eq(Mux(now.count == self.never, self.never, now.count + 1))
        lands = (cell.misses != self.never) & (count > cell.misses)
        level = Signal(s.cell_bits, name="new_level")
        rail = Mux(cell.stuck == STUCK_HIGH, (1 << s.cell_bits) - 1, 0)
        m.d.comb += level.eq(Mux(cell.stuck != 0, rail, Mux(lands, target, cell.wrong)))
        product = Signal(s.cell_bits + f + 1, name="varied")
        m.d.comb += product.eq(level * cell.gain)
        cap = (1 << (s.cell_bits + f)) - 1
        written = data.View(state, write_cell.data)
        m.d.comb += [written.level.eq(level), written.count.eq(Mux(level == target, 0, count))]
        # the conductance a pulse leaves, written into its column on the next clock
        pending = Signal(name="conductance_pending")
        pending_row = Signal.like(self.prog_row, name="conductance_row")
        pending_column = Signal.like(self.prog_col, name="conductance_column")
        pending_value = Signal(s.cell_bits + f, name="conductance_value")
        m.d.comb += [column_before.addr.eq(pending_column), write_column.addr.eq(pending_column)]
        m.d.sync += pending.eq(0)
        with m.If(self.prog_pulse & idle):
            m.d.comb += write_cell.en.eq(1)
            m.d.sync += [busy.eq(s.pulse_cycles), pending.eq(1), pending_row.eq(self.prog_row),
                         pending_column.eq(self.prog_col),
                         pending_value.eq(Mux(cell.stuck != 0, level << f,
                                              Mux(product > cap, cap, product)))]
        before = data.View(column_layout, column_before.data)
        m.d.comb += [write_column.en.eq(pending),
                     write_column.data.eq(Cat(*[Mux(pending_row == r, pending_value, before[r])
                                                for r in range(rows)]))]
        verify = self.verify & idle & ~self.prog_pulse
        m.d.sync += self.verify_valid.eq(verify)
        with m.If(verify):
            m.d.sync += self.verify_level.eq(now.level)
        return m
