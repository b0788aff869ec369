"""cocotb check of the MULT18X18D simulation model against the primitive's documented behaviour.

The harness (written by ``tests/flows/test_mult18x18d_model.py``) drives one set of inputs
``a``, ``b``, ``signeda``, ``signedb``, ``ce``, ``rst`` into three instances: no registers
(``p_comb``), the output register only (``p_out``), and input plus output registers
(``p_in_out``). The reference below restates the primitive's behaviour (Lattice's ECP5U
simulation library; see :mod:`fdagen.gateware.common.dsp`): each operand extended from
bit 17 when its ``SIGNED`` bit is high, a 36-bit product, and registers that clear on a clock
with ``RST0``, else load on one with ``CE0``, else hold, all starting at 0.
"""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

MASK36 = (1 << 36) - 1


def product(a, b, signed_a, signed_b):
    """The 36-bit P of 18-bit ``a``, ``b`` (unsigned codes) with their SIGNED bits."""
    def extend(value, signed):
        return value - (1 << 18) if signed and value >> 17 else value
    return (extend(a, signed_a) * extend(b, signed_b)) & MASK36


def code(value):
    """The 18-bit code of a signed or unsigned operand value."""
    return value & ((1 << 18) - 1)


class Reference:
    """The registers of the two registered instances, updated at each clock edge."""

    def __init__(self):
        self.out = 0                  # p_out's output register
        self.inputs = (0, 0, 0, 0)    # p_in_out's input registers: a, b, SIGNEDA, SIGNEDB
        self.in_out = 0               # p_in_out's output register

    def clock(self, a, b, signed_a, signed_b, ce, rst):
        if rst:
            self.out, self.inputs, self.in_out = 0, (0, 0, 0, 0), 0
        elif ce:
            self.out = product(a, b, signed_a, signed_b)
            self.in_out = product(*self.inputs)
            self.inputs = (a, b, signed_a, signed_b)


class Harness:
    def __init__(self, dut):
        self.dut, self.ref = dut, Reference()
        self.now = dict(a=0, b=0, signeda=0, signedb=0, ce=0, rst=0)
        self.apply()

    def apply(self, **values):
        self.now.update(values)
        for name, value in self.now.items():
            getattr(self.dut, name).value = value

    async def step(self, **values):
        """Set inputs (between edges), clock once, and check all three outputs after it."""
        self.apply(**values)
        n = self.now
        await RisingEdge(self.dut.clk)
        self.ref.clock(n["a"], n["b"], n["signeda"], n["signedb"], n["ce"], n["rst"])
        await ReadOnly()
        self.check()
        await FallingEdge(self.dut.clk)

    def check(self):
        n, dut = self.now, self.dut
        assert int(dut.p_comb.value) == product(n["a"], n["b"], n["signeda"], n["signedb"])
        assert int(dut.p_out.value) == self.ref.out, (int(dut.p_out.value), self.ref.out)
        assert int(dut.p_in_out.value) == self.ref.in_out, (int(dut.p_in_out.value),
                                                            self.ref.in_out)


@cocotb.test()
async def documented_behaviour(dut):
    """Directed cases first, then random operands, enables and resets."""
    Clock(dut.clk, 10, unit="ns").start()
    h = Harness(dut)
    await FallingEdge(dut.clk)
    h.check()                                          # power-up: every register 0
    assert int(dut.p_out.value) == 0 and int(dut.p_in_out.value) == 0

    # Latency: the output register shows a product one enabled clock later, input plus
    # output registers two.
    await h.step(a=code(5), b=code(-6), signeda=1, signedb=1, ce=1)
    assert int(dut.p_out.value) == (-30) & MASK36               # sign-extended to 36 bits
    assert int(dut.p_in_out.value) == 0
    await h.step(a=code(7), b=code(9))
    assert int(dut.p_out.value) == 63 and int(dut.p_in_out.value) == (-30) & MASK36
    await h.step()
    assert int(dut.p_in_out.value) == 63

    # CE low holds every register whatever the inputs do; the unregistered product follows.
    await h.step(a=code(-3), b=code(1000), ce=0)
    held = int(dut.p_out.value), int(dut.p_in_out.value)
    for a, b in ((1, 1), (code(-131072), code(-131072)), (12345, 54321)):
        await h.step(a=a, b=b)
        assert (int(dut.p_out.value), int(dut.p_in_out.value)) == held

    # Signedness: each operand extended from bit 17 by its own SIGNED bit; P is 36 bits.
    corners = [(code(-131072), code(-131072), 1, 1, 1 << 34),
               (code(131071), code(-131072), 1, 1, (131071 * -131072) & MASK36),
               ((1 << 18) - 1, (1 << 18) - 1, 0, 0, ((1 << 18) - 1) ** 2),
               ((1 << 18) - 1, 2, 1, 0, (-2) & MASK36),
               ((1 << 18) - 1, 2, 0, 1, ((1 << 18) - 1) * 2)]
    for a, b, signed_a, signed_b, want in corners:
        await h.step(a=a, b=b, signeda=signed_a, signedb=signed_b, ce=1)
        assert int(dut.p_out.value) == want and int(dut.p_comb.value) == want

    # RST0 clears the registers on the next clock, with CE low or high (reset first).
    await h.step(rst=1, ce=0)
    assert int(dut.p_out.value) == 0 and int(dut.p_in_out.value) == 0
    await h.step(rst=0, ce=1, a=3, b=4)
    await h.step(rst=1, ce=1)
    assert int(dut.p_out.value) == 0 and int(dut.p_in_out.value) == 0

    rng = random.Random(3)
    for _ in range(2000):
        await h.step(a=rng.getrandbits(18), b=rng.getrandbits(18),
                     signeda=rng.getrandbits(1), signedb=rng.getrandbits(1),
                     ce=int(rng.random() < 0.7), rst=int(rng.random() < 0.03))
