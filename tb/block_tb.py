"""cocotb sign-off of a generated block (`fdagen build` output) against the golden model.

Configuration comes as JSON in ``FDAGEN_TB_CONFIG``: the :class:`fdagen.emit.block.BlockConfig`
fields, ``frames`` (random frames or tiles, before the adversarial ones), ``gaps`` and
``stalls`` (pause probabilities of the driver and the monitor) and ``seed``. Every output word
must equal the golden model's, in the block's stream order, with ``last`` where it belongs.
With ``trace`` (a file path), the run also writes there, as JSON, the simulation time (ns) of
every input transfer (``"inputs"``) and of every output transfer with its word
(``"outputs"``), so two builds' runs can be compared cycle for cycle.
"""

import json
import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from fdagen.emit.block import BlockConfig
from fdagen.gateware.fft.fft2d import FFT2D
from fdagen.gateware.fft.fft3d import FFT3D
from fdagen.gateware.fft.ifft2d import IFFT2D
from fdagen.gateware.fft.ifft3d import IFFT3D
from fdagen.golden.fft import (fft2d_real_fixed, fft3d_real_fixed, fft_fixed, ifft2d_half_fixed,
                               ifft3d_half_fixed)

from .streams import StreamDriver, StreamMonitor, pack, unpack

#: The multi-dimensional blocks, whose stream orders come from their classes.
BLOCK_KINDS = {"fft2d": FFT2D, "ifft2d": IFFT2D, "fft3d": FFT3D, "ifft3d": IFFT3D}

BLOCK_FIELDS = ("block", "fft_size", "data_width", "twiddle_width", "scaling", "rounding",
                "order", "samples_per_clock", "dsp")


class BlockModel:
    """Stimulus and golden responses of one block, as (input words, expected output tuples)."""

    def __init__(self, config, rng):
        self.config, self.fmt, self.rng = config, config.fmt, rng
        self.n = config.fft_size

    def _range(self, width):
        return -(1 << (width - 1)), (1 << (width - 1)) - 1

    def frames(self, count):
        """Random frames, then full-scale, alternating and impulse ones."""
        n, (lo, hi) = self.n, self._range(self.fmt.data_width)
        block = self.config.block
        if block in ("fft", "ifft"):
            shape = (2, n)
        elif block in ("fft2d", "fft3d"):
            shape = (n,) * self.config.dims
        else:
            shape = (2,) + (n,) * (self.config.dims - 1) + (n // 2 + 1,)
        frames = [self.rng.integers(lo, hi + 1, shape) for _ in range(count)]
        frames.append(np.full(shape, hi))
        alternating = np.ones(shape, dtype=np.int64) * hi
        alternating.reshape(-1)[1::2] = lo
        frames.append(alternating)
        impulse = np.zeros(shape, dtype=np.int64)
        impulse.reshape(-1)[0] = hi
        frames.append(impulse)
        return frames

    def stimulus(self, frame):
        w, block, n = self.fmt.data_width, self.config.block, self.n
        lanes = self.config.samples_per_clock
        if block in ("fft", "ifft"):
            beats = n // lanes
            return [pack([(int(frame[0][b * lanes + k]), w) for k in range(lanes)]
                         + [(int(frame[1][b * lanes + k]), w) for k in range(lanes)]
                         + [(int(b == beats - 1), 1)]) for b in range(beats)]
        if block in ("fft2d", "fft3d"):
            order = BLOCK_KINDS[block].input_order(n)
            return [pack([(int(frame[index]), w), (int(k == len(order) - 1), 1)])
                    for k, index in enumerate(order)]
        order = BLOCK_KINDS[block].input_order(n)
        return [pack([(int(frame[0][index]), w), (int(frame[1][index]), w),
                      (int(k == len(order) - 1), 1)]) for k, index in enumerate(order)]

    def response(self, frame):
        block, n = self.config.block, self.n
        if block in ("fft", "ifft"):
            re, im = fft_fixed(frame[0], frame[1], self.fmt)
            lanes = self.config.samples_per_clock
            beats = n // lanes
            return [tuple(int(v) for v in re[b * lanes:(b + 1) * lanes])
                    + tuple(int(v) for v in im[b * lanes:(b + 1) * lanes])
                    + (int(b == beats - 1),) for b in range(beats)]
        order = BLOCK_KINDS[block].output_order(n)
        if block in ("fft2d", "fft3d"):
            transform = fft2d_real_fixed if block == "fft2d" else fft3d_real_fixed
            re, im = transform(frame, self.fmt)
            return [(int(re[index]), int(im[index]), int(k == len(order) - 1))
                    for k, index in enumerate(order)]
        transform = ifft2d_half_fixed if block == "ifft2d" else ifft3d_half_fixed
        tile = transform(frame[0], frame[1], self.fmt)
        return [(int(tile[index]), int(k == len(order) - 1)) for k, index in enumerate(order)]

    def decode(self, word):
        o = self.fmt.output_width
        if self.config.block in ("ifft2d", "ifft3d"):
            return tuple(unpack(word, [o, 1], signed=(0,)))
        lanes = self.config.samples_per_clock if self.config.block in ("fft", "ifft") else 1
        return tuple(unpack(word, [o] * (2 * lanes) + [1], signed=tuple(range(2 * lanes))))


class Scoreboard:
    def __init__(self):
        self.expected = []

    def check(self, got):
        assert len(got) == len(self.expected), \
            f"{len(got)} outputs, {len(self.expected)} expected"
        for index, (g, e) in enumerate(zip(got, self.expected)):
            assert g == e, f"output {index}: got {g}, expected {e}"


class BlockTestbench:
    def __init__(self, dut, settings):
        self.dut = dut
        self.config = BlockConfig(**{k: settings[k] for k in BLOCK_FIELDS if k in settings})
        seed = settings["seed"]
        self.settings = settings
        self.model = BlockModel(self.config, np.random.default_rng(seed))
        self.driver = StreamDriver(dut, "i", dut.clk, settings["gaps"], seed)
        self.monitor = StreamMonitor(dut, "o", dut.clk, settings["stalls"], seed + 1)
        self.scoreboard = Scoreboard()

    async def reset(self):
        Clock(self.dut.clk, 10, unit="ns").start()
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 3)
        self.dut.rst.value = 0

    async def run(self):
        await self.reset()
        self.monitor.start()
        words = []
        for frame in self.model.frames(self.settings["frames"]):
            words += self.model.stimulus(frame)
            self.scoreboard.expected += self.model.response(frame)
        await self.driver.send(words)
        expected = len(self.scoreboard.expected)
        quiet = 4 * self.config.fft_size ** 2 + 200
        for _ in range(40 * expected + quiet):
            if len(self.monitor.words) >= expected:
                break
            await RisingEdge(self.dut.clk)
        await ClockCycles(self.dut.clk, quiet)           # nothing extra may appear
        self.monitor.stop()
        if self.settings.get("trace"):
            with open(self.settings["trace"], "w") as handle:
                json.dump({"inputs": self.driver.times,
                           "outputs": list(zip(self.monitor.times, self.monitor.words))}, handle)
        self.scoreboard.check([self.model.decode(w) for w in self.monitor.words])


@cocotb.test()
async def block_matches_golden(dut):
    await BlockTestbench(dut, json.loads(os.environ["FDAGEN_TB_CONFIG"])).run()
