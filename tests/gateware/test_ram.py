# amaranth: UnusedElaboratable=no
"""RAMs without collision logic: the attribute reaches the Verilog, the memories are collected,
and the simulation watch catches a read that meets a write."""

import re

import pytest
from amaranth import Elaboratable, Module, Signal
from amaranth.back import verilog
from amaranth.sim import Simulator
from support.collisions import CollisionWatch

from fdagen.arch.config import AcceleratorConfig
from fdagen.emit.accelerator import render_accelerator
from fdagen.gateware.common.ram import NO_RW_CHECK, block_ram_depth, collision_free_rams, ram


class Buffer(Elaboratable):
    """One RAM, written at ``waddr`` and read at ``raddr`` every clock with ``en`` high."""

    def __init__(self, read_old_data):
        self.read_old_data = read_old_data
        self.en, self.waddr, self.raddr = Signal(), Signal(4), Signal(4)
        self.data = Signal(8)

    def elaborate(self, platform):
        m = Module()
        m.submodules.mem = mem = ram(8, 16, read_old_data=self.read_old_data)
        write, read = mem.write_port(), mem.read_port()
        m.d.comb += [write.en.eq(self.en), write.addr.eq(self.waddr), write.data.eq(self.waddr),
                     read.en.eq(self.en), read.addr.eq(self.raddr), self.data.eq(read.data)]
        return m


@pytest.mark.parametrize("read_old_data", [True, False])
def test_no_rw_check_reaches_the_verilog_only_where_promised(read_old_data):
    dut = Buffer(read_old_data)
    text = verilog.convert(dut, ports=[dut.en, dut.waddr, dut.raddr, dut.data])
    assert (NO_RW_CHECK in text) is (not read_old_data)


def test_collision_free_rams_collects_the_promised_memories_inside_it_only():
    ram(8, 4, read_old_data=False)                     # outside: not collected
    with collision_free_rams() as found:
        kept = ram(8, 4, read_old_data=False)
        ram(8, 4)
    assert found == [kept]


def watched(offsets):
    """Simulate a Buffer under the watch, reading ``raddr = waddr + offset`` per clock."""
    dut = Buffer(read_old_data=False)
    watch = CollisionWatch(dut)

    async def bench(ctx):
        ctx.set(dut.en, 1)
        for clock, offset in enumerate(offsets):
            ctx.set(dut.waddr, clock)
            ctx.set(dut.raddr, (clock + offset) % 16)
            await ctx.tick()

    sim = Simulator(watch)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.add_testbench(watch.watch, background=True)
    sim.run()
    return watch


def test_the_watch_passes_reads_away_from_the_write():
    watched([1, 2, 3, 15]).check()


def test_the_watch_names_a_read_that_meets_a_write():
    watch = watched([1, 0, 2])
    assert watch.seen == [(1, 0)]
    with pytest.raises(AssertionError, match="1 reads met a write.*clock 1: .*test_ram.py"):
        watch.check()


def test_the_accelerators_collision_logic_stays_only_where_reads_need_old_data():
    """P = 4: the feature map, the spectrum and output-spectrum banks, the biases, the PEs'
    weights, the 2-D blocks' transpose buffers and the overlap-add banks' parts (a word is
    written two clocks after its read, and no sample reads what the two before it write)
    carry no_rw_check; the FFT cores' delay lines (a 2-deep line reads the word it overwrites)
    and Amaranth's FIFOs do not."""
    marked = {}
    for name, text in render_accelerator(AcceleratorConfig(pes=4)).items():
        if not name.endswith(".v"):
            continue
        lines = (text.decode() if isinstance(text, bytes) else text).splitlines()
        module = None
        for before, line in zip([""] + lines, lines):
            if line.startswith("module "):
                module = line.split()[1].split("(")[0].lstrip("\\")
            memory = re.match(r"\s*reg \[\d+:0\] \\?(\S+?)(\$\d+)?\s+\[\d+:0\];", line)
            if memory:
                marked[f"{module.split('.', 1)[-1]}.{memory[1]}"] = NO_RW_CHECK in before
    promised = {name for name, mark in marked.items() if mark}
    # two overlap-add banks of 2496 22-bit words, each in parts of 512 (one block RAM's)
    config = AcceleratorConfig(pes=4)
    assert (config.oaa_banks, config.oaa_depth, config.oaa_width) == (2, 2496, 22)
    assert promised == {"buffer.memory", "fdagen_accel_p4_n8_pe_digital.cells",
                        "fdagen_accel_p4_n8.bias", "fft.fmap", "fft.spectrum0_0",
                        *[f"mac.output_spectrum.ospec{p}" for p in range(4)],
                        *[f"fdagen_accel_p4_n8_ifft_lane.oaa{b}_{base}"
                          for b in range(2) for base in range(0, 2496, 512)]}
    assert marked["rows.stage0.delay.memory"] is False


@pytest.mark.parametrize("width, depth", [(1, 16384), (2, 8192), (3, 4096), (9, 2048),
                                          (10, 1024), (18, 1024), (19, 512), (36, 512),
                                          (44, 512)])
def test_block_ram_depth_is_one_block_at_the_width(width, depth):
    """The deepest memory one ECP5 block RAM configuration holds at each width (wider than 36
    bits: 512-word blocks side by side)."""
    assert block_ram_depth(width) == depth
