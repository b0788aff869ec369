"""Stream driver and monitor for Amaranth ``lib.stream`` ports in generated Verilog.

An Amaranth stream port ``p`` appears as ``p__valid``, ``p__ready`` and ``p__payload`` (the
payload's fields packed LSB first). Both classes take a pause probability so every data test
runs with random idle cycles and random backpressure.
"""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from cocotb.utils import get_sim_time


def pack(fields):
    """Pack ``[(value, width), ...]`` LSB first into one integer (two's complement fields)."""
    word, shift = 0, 0
    for value, width in fields:
        word |= (value & ((1 << width) - 1)) << shift
        shift += width
    return word


def unpack(word, widths, signed=()):
    """Split ``word`` into fields of ``widths`` (LSB first); fields in ``signed`` sign-extend."""
    values = []
    for index, width in enumerate(widths):
        value = (word >> sum(widths[:index])) & ((1 << width) - 1)
        if index in signed and value >> (width - 1):
            value -= 1 << width
        values.append(value)
    return values


class StreamDriver:
    """Drive words onto ``<prefix>__valid/__payload``, honouring ``__ready``, as AXI4-Stream
    asks of a source: before each word the driver idles a random number of clocks (each with
    probability ``pause``); once it raises ``valid`` it holds ``valid`` and the payload until
    the transfer (a clock with ``ready`` high). ``times`` holds the simulation time (ns) of
    each transfer's clock edge, in order."""

    def __init__(self, dut, prefix, clock, pause=0.0, seed=0):
        self.valid = getattr(dut, f"{prefix}__valid")
        self.ready = getattr(dut, f"{prefix}__ready")
        self.payload = getattr(dut, f"{prefix}__payload")
        self.clock, self.pause = clock, pause
        self.random = random.Random(seed)
        self.times = []
        self.valid.value = 0
        self.payload.value = 0

    async def send(self, words):
        for word in words:
            await RisingEdge(self.clock)
            while self.random.random() < self.pause:
                self.valid.value = 0
                await RisingEdge(self.clock)
            self.valid.value = 1
            self.payload.value = word
            await ReadOnly()
            while not self.ready.value:
                await RisingEdge(self.clock)
                await ReadOnly()
            self.times.append(get_sim_time("ns"))
        await RisingEdge(self.clock)
        self.valid.value = 0


class StreamMonitor:
    """Accept words from ``<prefix>__valid/__payload`` with random backpressure on ``__ready``;
    ``words`` are the accepted words and ``times`` their clock edges' simulation times (ns)."""

    def __init__(self, dut, prefix, clock, pause=0.0, seed=1):
        self.valid = getattr(dut, f"{prefix}__valid")
        self.ready = getattr(dut, f"{prefix}__ready")
        self.payload = getattr(dut, f"{prefix}__payload")
        self.clock, self.pause = clock, pause
        self.random = random.Random(seed)
        self.words = []
        self.times = []
        self.ready.value = 0
        self._task = None

    def start(self):
        self._task = cocotb.start_soon(self._run())

    def stop(self):
        self._task.cancel()

    async def _run(self):
        while True:
            await RisingEdge(self.clock)
            accept = self.random.random() >= self.pause
            self.ready.value = int(accept)
            await ReadOnly()
            if accept and self.valid.value:
                self.words.append(int(self.payload.value))
                self.times.append(get_sim_time("ns"))


class AcceleratorStreams:
    """The accelerator top's five streams: ``desc``, ``weights`` and ``pixels`` driven with
    random gaps (``gaps``), ``out`` and ``counters`` taken with random backpressure
    (``stalls``), each from its own seed (``seed`` .. ``seed + 4``)."""

    def __init__(self, dut, gaps, stalls, seed):
        self.desc = StreamDriver(dut, "desc", dut.clk, gaps, seed)
        self.weights = StreamDriver(dut, "weights", dut.clk, gaps, seed + 1)
        self.pixels = StreamDriver(dut, "pixels", dut.clk, gaps, seed + 2)
        self.out = StreamMonitor(dut, "out", dut.clk, stalls, seed + 3)
        self.reports = StreamMonitor(dut, "counters", dut.clk, stalls, seed + 4)

    @classmethod
    async def start(cls, dut, gaps, stalls, seed, memories=None):
        """Start the clock, hold reset for 3 clocks (writing ``memories``, ``{path: words}``,
        into the design meanwhile), then start the monitors; return the streams."""
        cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
        dut.rst.value = 1
        for path, words in (memories or {}).items():
            memory = dut
            for name in path.split("."):
                memory = getattr(memory, name)
            for index, word in enumerate(words):
                memory[index].value = word
        streams = cls(dut, gaps, stalls, seed)
        await ClockCycles(dut.clk, 3)
        dut.rst.value = 0
        streams.out.start()
        streams.reports.start()
        return streams

    def stop(self):
        self.out.stop()
        self.reports.stop()
