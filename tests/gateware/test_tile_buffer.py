# amaranth: UnusedElaboratable=no
"""TileBuffer and TileSchedules on their own, and the schedule hand-off under pressure."""

from amaranth.sim import Simulator
from support.collisions import CollisionWatch
from test_ifft2d import expected_stream, simulate, spectra_for

from fdagen.gateware.common.tile_buffer import TileBuffer
from fdagen.gateware.fft.core import FFTCore
from fdagen.gateware.fft.ifft2d import IFFT2D
from fdagen.golden.fft import FFT2DFormat


def test_schedule_travels_with_each_word_even_when_its_bank_is_refilled():
    """The consumer stalls on a tile's last word while the writer refills that bank with the
    next-but-one tile: the word must keep its own tile's schedule."""
    words, tiles = 4, 5
    dut = TileBuffer(8, words, schedule_width=4)
    seen = []

    async def writer(ctx):
        for tile in range(tiles):
            for j in range(words):
                ctx.set(dut.write_en, 1)
                ctx.set(dut.write_addr, j)
                ctx.set(dut.write_data, 16 * tile + j)
                ctx.set(dut.write_first, int(j == 0))
                ctx.set(dut.write_last, int(j == words - 1))
                ctx.set(dut.write_schedule, tile + 1)
                await ctx.tick().until(dut.write_ready)
        ctx.set(dut.write_en, 0)

    async def reader(ctx):
        address = 0
        for cycle in range(400):
            # stall long on every tile's last word; otherwise take words at once
            stall = address == 0 and cycle % 40 < 30
            ctx.set(dut.out_ready, int(not stall))
            ctx.set(dut.read_addr, address)
            ctx.set(dut.read_last, int(address == words - 1))
            await ctx.delay(1e-9)
            if ctx.get(dut.fetch):
                address = (address + 1) % words
            if ctx.get(dut.out_valid) and not stall:
                seen.append((ctx.get(dut.out_data), ctx.get(dut.out_schedule)))
            await ctx.tick()

    watch = CollisionWatch(dut)
    sim = Simulator(watch)
    sim.add_clock(1e-6)
    sim.add_testbench(writer, background=True)
    sim.add_testbench(watch.watch, background=True)
    sim.add_testbench(reader)
    sim.run()
    watch.check()
    assert len(seen) == tiles * words
    assert all(schedule == data // 16 + 1 for data, schedule in seen)


def test_schedules_survive_a_deep_first_pass(rng, monkeypatch):
    """With bigger core buffers, more tiles are in flight before the transpose; the per-tile
    schedule queue is sized from the core's capacity, so each tile keeps its schedules."""
    monkeypatch.setattr(FFTCore, "BUFFER", 8)
    fmt = FFT2DFormat(4, 16, 16, rounding="convergent", inverse=True)
    spectra = spectra_for(rng, fmt, 6)
    schedules = [(0b11, 0b11), (0b01, 0b10), (0b10, 0b00), (0b00, 0b01), (0b11, 0b01),
                 (0b01, 0b11)]
    # the output blocked long enough for the first pass and the transpose to fill completely
    got = simulate(IFFT2D(fmt, runtime_schedule=True), spectra, rng, 0.0,
                   lambda cycle: cycle < 400, schedules)
    assert got == expected_stream(fmt, spectra, schedules)
