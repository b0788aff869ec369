"""The bridge's frame parser and message sender in amaranth.sim, against the protocol as
fdagen.arch.bridge states it and as the host decodes it (fdagen.host.bridge)."""

import random

from amaranth.lib import data
from amaranth.sim import Simulator

from fdagen.arch.bridge import TAG_COUNTERS, TAG_CREDIT, TAG_ERROR, TAG_OUT
from fdagen.gateware.board.frame_parser import FrameParser
from fdagen.gateware.board.message_sender import MessageSender
from fdagen.host.bridge import encode_frame

SIZES = (4, 4, 2)


def test_parser_beats_in_order_under_backpressure():
    rng = random.Random(5)
    frames = [(0, [rng.getrandbits(32) for _ in range(3)]), (2, []),
              (1, [rng.getrandbits(32) for _ in range(5)]), (2, [0x1234, 0xFFFF]),
              (0, [0xDEADBEEF])]
    # a bad stream id where the second frame would start: dropped, reported once
    stream = (encode_frame(*frames[0], SIZES[0]) + bytes([7])
              + b"".join(encode_frame(s, beats, SIZES[s]) for s, beats in frames[1:]))
    dut = FrameParser(SIZES)
    got, bad = [], [0]

    async def feed(ctx):
        for byte in stream:
            ctx.set(dut.data.valid, 1)
            ctx.set(dut.data.payload, byte)
            await ctx.tick().until(dut.data.ready)
            for _ in range(rng.randrange(3)):
                ctx.set(dut.data.valid, 0)
                await ctx.tick()
        ctx.set(dut.data.valid, 0)

    async def take(ctx):
        expected = sum(len(beats) for _, beats in frames)
        for _ in range(4000):
            ready = rng.random() < 0.4
            ctx.set(dut.beats.ready, ready)
            await ctx.delay(1e-9)
            if ready and ctx.get(dut.beats.valid):
                s = ctx.get(dut.beats.payload.stream)
                value = ctx.get(dut.beats.payload.data) & ((1 << (8 * SIZES[s])) - 1)
                got.append((s, value))
            bad[0] += ctx.get(dut.bad_stream)
            await ctx.tick()
        assert len(got) == expected

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(feed)
    sim.add_testbench(take)
    sim.run()
    assert got == [(s, beat) for s, beats in frames for beat in beats]
    assert bad[0] == 1


def test_sender_messages_add_up_under_a_slow_line():
    """Every beat taken credited once (in counts of 1..depth), every output and counter beat
    sent once and in order, an error pulse reported once, with the line taking a byte only now
    and then."""
    out_shape = data.StructLayout({"value": 16, "last": 1})
    counter_shape = data.StructLayout({"value": 32, "last": 1})
    dut = MessageSender(out_shape, counter_shape, 3, depth=8)
    rng = random.Random(9)
    outputs = [(rng.getrandbits(16), int(i == 5)) for i in range(6)]
    counters = [(rng.getrandbits(32), int(i == 2)) for i in range(3)]
    taken = [0, 0, 0]
    received = bytearray()

    async def drive(ctx):
        ctx.set(dut.out.valid, 1)
        for value, last in outputs:
            ctx.set(dut.out.payload, {"value": value, "last": last})
            await ctx.tick().until(dut.out.ready)
        ctx.set(dut.out.valid, 0)
        ctx.set(dut.counters.valid, 1)
        for value, last in counters:
            ctx.set(dut.counters.payload, {"value": value, "last": last})
            await ctx.tick().until(dut.counters.ready)
        ctx.set(dut.counters.valid, 0)

    async def pulses(ctx):
        for clock in range(300):
            bits = [int(rng.random() < 0.1 and taken[s] < 8) for s in range(3)]
            for s, bit in enumerate(bits):
                taken[s] += bit
            ctx.set(dut.taken, bits[0] | bits[1] << 1 | bits[2] << 2)
            ctx.set(dut.errors, 0x02 if clock == 40 else 0)
            await ctx.tick()
        ctx.set(dut.taken, 0)

    async def line(ctx):
        for _ in range(3000):
            ready = rng.random() < 0.3          # a slow line
            ctx.set(dut.data.ready, ready)
            await ctx.delay(1e-9)
            if ready and ctx.get(dut.data.valid):
                received.append(ctx.get(dut.data.payload))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    for bench in (drive, pulses, line):
        sim.add_testbench(bench)
    sim.run()
    lengths = {TAG_OUT: 3, TAG_COUNTERS: 5, TAG_ERROR: 1,
               **{TAG_CREDIT + s: 1 for s in range(3)}}
    messages, index = [], 0
    while index < len(received):
        tag = received[index]
        size = lengths[tag]
        messages.append((tag, int.from_bytes(received[index + 1:index + 1 + size], "little")))
        index += 1 + size
    assert index == len(received)
    credits = [sum(v for t, v in messages if t == TAG_CREDIT + s) for s in range(3)]
    assert credits == taken and all(0 < v <= 8 for t, v in messages if t < TAG_OUT)
    assert [(v & 0xFFFF, v >> 16) for t, v in messages if t == TAG_OUT] == outputs
    assert [(v & 0xFFFFFFFF, v >> 32) for t, v in messages if t == TAG_COUNTERS] == counters
    assert [v for t, v in messages if t == TAG_ERROR] == [0x02]
