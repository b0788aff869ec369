"""cocotb sign-off of the generated FFT core against the golden model, bit-exact.

Configuration comes as JSON in ``FDAGEN_TB_CONFIG``: the FFTFormat fields, ``frames``,
``gaps`` and ``stalls`` (pause probabilities) and ``seed``.
"""

import json
import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from fdagen.golden.fft import FFTFormat, fft_fixed
from tb.streams import StreamDriver, StreamMonitor, pack, unpack


class FFTScoreboard:
    """Expected output words of the golden model for the frames sent."""

    def __init__(self, fmt):
        self.fmt, self.expected = fmt, []

    def add_frame(self, re, im):
        out_re, out_im = fft_fixed(re, im, self.fmt)
        n = self.fmt.n
        self.expected += [(int(a), int(b), int(j == n - 1))
                          for j, (a, b) in enumerate(zip(out_re, out_im))]

    def check(self, words):
        width = self.fmt.output_width
        got = [tuple(unpack(w, [width, width, 1], signed=(0, 1))) for w in words]
        assert len(got) == len(self.expected), f"{len(got)} outputs, {len(self.expected)} expected"
        for index, (g, e) in enumerate(zip(got, self.expected)):
            assert g == e, f"output {index}: got {g}, expected {e}"


class FFTTestbench:
    def __init__(self, dut, config):
        self.dut, self.config = dut, config
        fields = {k: config[k] for k in ("n", "data_width", "twiddle_width", "rounding",
                                         "inverse")}
        scaling = config["scaling"]
        self.fmt = FFTFormat(**fields, scaling=tuple(scaling) if isinstance(scaling, list)
                             else scaling, order="bitrev")
        seed = config["seed"]
        self.rng = np.random.default_rng(seed)
        self.driver = StreamDriver(dut, "i", dut.clk, config["gaps"], seed)
        self.monitor = StreamMonitor(dut, "o", dut.clk, config["stalls"], seed + 1)
        self.scoreboard = FFTScoreboard(self.fmt)

    async def reset(self):
        Clock(self.dut.clk, 10, unit="ns").start()
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 3)
        self.dut.rst.value = 0

    def frames(self):
        fmt, width = self.fmt, self.fmt.data_width
        lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
        frames = [self.rng.integers(lo, hi + 1, (2, fmt.n)) for _ in range(self.config["frames"])]
        frames += [np.array([[hi] * fmt.n, [lo] * fmt.n]),                       # constant max
                   np.array([[(-1) ** j * hi for j in range(fmt.n)], [0] * fmt.n]),  # alternating
                   np.array([[hi] + [0] * (fmt.n - 1), [0] * fmt.n])]             # impulse
        return frames

    async def run(self):
        await self.reset()
        self.monitor.start()
        words = []
        for re, im in self.frames():
            self.scoreboard.add_frame(re, im)
            width, n = self.fmt.data_width, self.fmt.n
            words += [pack([(int(re[j]), width), (int(im[j]), width), (int(j == n - 1), 1)])
                      for j in range(n)]
        await self.driver.send(words)
        expected = len(self.scoreboard.expected)
        for _ in range(40 * expected + 20 * self.fmt.n):
            if len(self.monitor.words) >= expected:
                break
            await RisingEdge(self.dut.clk)
        await ClockCycles(self.dut.clk, 3 * self.fmt.n)     # nothing extra may appear
        self.monitor.stop()
        self.scoreboard.check(self.monitor.words)


@cocotb.test()
async def fft_matches_golden(dut):
    await FFTTestbench(dut, json.loads(os.environ["FDAGEN_TB_CONFIG"])).run()
