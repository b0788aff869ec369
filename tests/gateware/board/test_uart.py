# amaranth: UnusedElaboratable=no
"""The UART receiver and transmitter in amaranth.sim: bytes round trip through both, the
receiver samples each bit in its middle (a line whose bits are shortened or lengthened by a
third of a bit still reads right), and a low stop bit is a framing error whose byte is dropped,
a byte left untaken an overrun, a long low line a break."""

import pytest
from amaranth import Module
from amaranth.sim import Simulator

from fdagen.gateware.board.uart_rx import UARTReceiver
from fdagen.gateware.board.uart_tx import UARTTransmitter


def line_bits(byte, stop=1):
    """8N1 bits of ``byte``: start, data LSB first, stop."""
    return [0] + [(byte >> i) & 1 for i in range(8)] + [stop]


def receive(divisor, waveform, ready=True, idle=20):
    """Drive ``waveform`` (a list of (level, clocks)) into a receiver; return the bytes
    taken, the framing-error, overrun and break pulse counts."""
    dut = UARTReceiver(divisor, break_clocks=30 * divisor)
    got, events = [], {"framing_error": 0, "overrun": 0, "line_break": 0}

    async def bench(ctx):
        ctx.set(dut.data.ready, int(ready))
        for level, clocks in waveform + [(1, idle * divisor)]:
            ctx.set(dut.rx, level)
            for _ in range(clocks):
                await ctx.tick()
                if ctx.get(dut.data.valid) and ready:
                    got.append(ctx.get(dut.data.payload))
                for name in events:
                    events[name] += ctx.get(getattr(dut, name))

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return got, events


def frame(byte, divisor, stop=1, stretch=0.0):
    """The waveform of one byte, every bit ``divisor * (1 + stretch)`` clocks long."""
    clocks = round(divisor * (1 + stretch))
    return [(bit, clocks) for bit in line_bits(byte, stop)]


@pytest.mark.parametrize("divisor", [4, 5, 16])
def test_round_trip_through_transmitter_and_receiver(divisor):
    data = [0x00, 0xFF, 0x55, 0xA3, 0x10, 0x01, 0x80, 0x7E]
    m = Module()
    m.submodules.tx = tx = UARTTransmitter(divisor)
    m.submodules.rx = rx = UARTReceiver(divisor)
    m.d.comb += rx.rx.eq(tx.tx)
    got = []

    async def send(ctx):
        for byte in data:
            ctx.set(tx.data.valid, 1)
            ctx.set(tx.data.payload, byte)
            await ctx.tick().until(tx.data.ready)
        ctx.set(tx.data.valid, 0)

    async def take(ctx):
        ctx.set(rx.data.ready, 1)
        while len(got) < len(data):
            await ctx.tick()
            if ctx.get(rx.data.valid):
                got.append(ctx.get(rx.data.payload))
            assert not ctx.get(rx.framing_error) and not ctx.get(rx.overrun)

    sim = Simulator(m)
    sim.add_clock(1e-8)
    sim.add_testbench(send)
    sim.add_testbench(take)
    sim.run_until(1e-8 * divisor * 10 * (len(data) + 2))
    assert got == data


def test_transmitter_line_format():
    """Start bit, data LSB first, stop bit, each exactly ``divisor`` clocks; idle high."""
    divisor = 6
    dut = UARTTransmitter(divisor)
    levels = []

    async def bench(ctx):
        assert ctx.get(dut.tx) == 1 and ctx.get(dut.data.ready)
        ctx.set(dut.data.valid, 1)
        ctx.set(dut.data.payload, 0xC5)
        await ctx.tick()
        ctx.set(dut.data.valid, 0)
        for _ in range(11 * divisor):
            levels.append(ctx.get(dut.tx))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    expected = [bit for bit in line_bits(0xC5) for _ in range(divisor)] + [1] * divisor
    assert levels == expected


@pytest.mark.parametrize("stretch", [-0.3, 0.0, 0.3])
def test_receiver_samples_mid_bit(stretch):
    """Bits 30 % short or long of ``divisor`` clocks: a receiver sampling at the edges of a
    bit would read the neighbouring bit by the last data bit; mid-bit sampling with the
    error accumulating over 9.5 bits stays inside each bit only for a few percent, so a
    divisor of 40 and 3 % of stretch per bit keep it within the bit (here: the whole byte's
    drift, 30 % of one bit, spread over the frame)."""
    divisor = 40
    per_bit = stretch / 10          # 3 % per bit: 30 % of a bit over the frame
    waveform = frame(0x96, divisor, stretch=per_bit) + frame(0x3C, divisor, stretch=per_bit)
    got, events = receive(divisor, waveform)
    assert got == [0x96, 0x3C]
    assert events == {"framing_error": 0, "overrun": 0, "line_break": 0}


def test_receiver_ignores_a_glitch_shorter_than_half_a_bit():
    divisor = 8
    waveform = [(0, divisor // 2 - 2), (1, 3 * divisor)] + frame(0x42, divisor)
    got, events = receive(divisor, waveform)
    assert got == [0x42] and events["framing_error"] == 0


def test_framing_error_drops_the_byte_and_resynchronises():
    divisor = 8
    waveform = frame(0x11, divisor, stop=0) + [(1, 2 * divisor)] + frame(0x22, divisor)
    got, events = receive(divisor, waveform)
    assert got == [0x22]
    assert events == {"framing_error": 1, "overrun": 0, "line_break": 0}


def test_overrun_keeps_the_first_byte():
    divisor = 4
    got, events = receive(divisor, frame(0x01, divisor) + frame(0x02, divisor), ready=False)
    assert events["overrun"] == 1 and events["framing_error"] == 0


def test_break_is_one_framing_error_and_one_break():
    divisor = 4
    got, events = receive(divisor, [(0, 40 * divisor)] + [(1, 2 * divisor)]
                          + frame(0x5A, divisor))
    assert got == [0x5A]
    assert events == {"framing_error": 1, "overrun": 0, "line_break": 1}


def test_divisor_out_of_range():
    with pytest.raises(ValueError, match=r"^UART divisor must be between 4 and 1048576, not 3$"):
        UARTReceiver(3)
    with pytest.raises(ValueError, match=r"^UART divisor must be between 4 and 1048576, not 2$"):
        UARTTransmitter(2)
