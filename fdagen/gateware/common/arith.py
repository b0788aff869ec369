"""Arithmetic helpers for the accelerator's RTL: run-time rounding shifts, constant products.

:func:`round_shift_saturate` is the RTL of :func:`fdagen.golden.fixedpoint.shift_round_saturate`
with the shift taken from a signal (a descriptor field), so one requantizer serves every layer.
"""

from amaranth import Cat, Const, Mux, Signal, Value, signed

__all__ = ["saturate_expr", "round_shift_saturate", "const_mul", "minimum"]


def saturate_expr(value, width):
    """Amaranth expression: ``value`` clamped to the signed ``width``-bit range.

    The range test looks at ``value``'s bits from ``width - 1`` up, which must all equal its
    sign: a reduction in logic, not a magnitude compare (which a synthesizer builds as a carry
    chain after the one that computed ``value``).
    """
    value = Value.cast(value)
    shape = value.shape()
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    if len(value) < width or (len(value) == width and shape.signed):
        return value if shape.signed else Cat(value, Const(0, 1)).as_signed()
    upper = value[width - 1:]
    if shape.signed:                        # the sign bit is upper's last
        over = ~upper[-1] & upper.any()
        under = upper[-1] & ~upper.all()
    else:
        over, under = upper.any(), Const(0)
    return Mux(over, hi, Mux(under, lo, value[:width]))[:width].as_signed()


def round_shift_saturate(m, value, shift, rounding, width, name, registered=False):
    """Return a signal: ``value >> shift`` rounded by ``rounding``, saturated to ``width`` bits.

    ``value`` is signed; ``shift`` an unsigned signal (any value: shifts beyond the value's
    width give what the golden model's unbounded integers give). Combinational, unless
    ``registered``: then the result follows ``value`` one clock later (the shifted value and
    its round-up bit are registered, ``{name}_floor_q`` and ``{name}_up_q``, before the
    rounding add and the saturation), and so is the shift's decode (its clamp
    ``{name}_amount`` and the bit masks ``{name}_at`` and ``{name}_below_half``, which make
    the round-up bit an AND-OR of ``value``'s bits, not a function of the shifter's output),
    so ``shift`` must hold its value from the clock before ``value`` until the clock of
    ``value`` (the callers' shifts are layer registers, steady while the layer's words pass).
    """
    w = len(value)
    limit = w + 1                                    # shifts >= w + 1 all give the same result
    wide = Signal(signed(w + 2), name=f"{name}_wide")
    m.d.comb += wide.eq(value)
    clamped = Mux(shift > limit, limit, shift)
    domain = m.d.sync if registered else m.d.comb
    amount = Signal(range(limit + 1), name=f"{name}_amount", reset_less=registered)
    domain += amount.eq(clamped)
    floor = Signal(signed(w + 2), name=f"{name}_floor")
    m.d.comb += floor.eq(wide >> amount)
    up = Signal(name=f"{name}_up")
    if rounding != "truncate":
        # the shift as masks over value's bits: at[i] where bit i is the floor's last bit,
        # below_half[i] where bit i is below the first bit shifted out (only the terms that
        # can be non-zero: amount <= limit)
        at = Signal(limit + 1, name=f"{name}_at", reset_less=registered)
        below_half = Signal(limit - 1, name=f"{name}_below_half", reset_less=registered)
        domain += [at.eq(Cat(*[clamped == i for i in range(limit + 1)])),
                   below_half.eq(Cat(*[clamped > i + 1 for i in range(limit - 1)]))]
        # the first bit shifted out (half), any below it (rest), the floor's last bit (lsb)
        half = Signal(name=f"{name}_half")
        rest = Signal(name=f"{name}_rest")
        lsb = Signal(name=f"{name}_lsb")
        m.d.comb += [half.eq((wide[:limit] & at[1:]).any()),
                     rest.eq((wide[:limit - 1] & below_half).any()),
                     lsb.eq((wide[:limit + 1] & at).any())]
        if rounding == "half_up":
            m.d.comb += up.eq(half)
        else:
            m.d.comb += up.eq(half & (rest | lsb))
    if registered:
        # data registers: not reset
        floor_q = Signal.like(floor, name=f"{name}_floor_q", reset_less=True)
        up_q = Signal(name=f"{name}_up_q", reset_less=True)
        m.d.sync += [floor_q.eq(floor), up_q.eq(up)]
        floor, up = floor_q, up_q
    result = Signal(signed(width), name=name)
    m.d.comb += result.eq(saturate_expr(floor + up, width))
    return result


def const_mul(value, constant):
    """``value * constant`` as shifted additions (never a DSP block) for a constant >= 0."""
    if constant == 0:
        return Const(0, 1)
    terms = [value << bit for bit in range(constant.bit_length()) if constant >> bit & 1]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def minimum(m, values, name):
    """A signal holding the smallest of ``values`` (a chain of named comparisons, each value
    used once, so the expression stays linear in the count)."""
    best = Signal.like(values[0], name=f"{name}0") if isinstance(values[0], Signal) \
        else Signal(len(values[0]), name=f"{name}0")
    m.d.comb += best.eq(values[0])
    for index, value in enumerate(values[1:], 1):
        step = Signal(len(best), name=f"{name}{index}")
        m.d.comb += step.eq(Mux(value < best, value, best))
        best = step
    return best
