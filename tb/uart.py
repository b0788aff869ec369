"""A simulated serial link to the UART bridge: the host's :class:`fdagen.host.bridge.Transport`
over cocotbext-uart's source (into the DUT's ``rx``) and sink (from its ``tx``).

The host code is blocking (it drives a pyserial port the same way), so the bench runs it in a
thread with :func:`cocotb.task.bridge`; every transport call hands control back to the
simulator through :func:`cocotb.task.resume` and returns when its simulated time has passed.
Times are simulated seconds.
"""

import logging

from cocotb.task import resume
from cocotb.triggers import Timer
from cocotbext.uart import UartSink, UartSource

from fdagen.arch.bridge import BREAK_BITS
from fdagen.host.bridge import Transport


class SimulatedUART(Transport):
    """The DUT's ``rx``/``tx`` pins at ``divisor`` clocks a bit of ``period_ns``."""

    def __init__(self, dut, divisor, period_ns=10):
        self.bit_ns = divisor * period_ns
        baud = 1e9 / self.bit_ns
        self._rx = dut.rx
        self.source = UartSource(dut.rx, baud=baud, bits=8, stop_bits=1)
        self.sink = UartSink(dut.tx, baud=baud, bits=8, stop_bits=1)
        for pin in (dut.rx, dut.tx):               # one log line per byte otherwise
            logging.getLogger(f"cocotb.{pin._path}").setLevel(logging.WARNING)

    async def _reset(self):
        await self.source.wait()
        self._rx.value = 0
        await Timer((BREAK_BITS + 4) * self.bit_ns, "ns")
        self._rx.value = 1
        # the break's own framing error goes out as an ERROR message; let it finish, then drop it
        await Timer(40 * self.bit_ns, "ns")
        self.sink.clear()

    async def _write(self, data):
        await self.source.write(data)

    async def _read(self, timeout):
        await self.sink.wait(max(1, round(timeout * 1e9)), "ns")
        return bytes(self.sink.read_nowait())

    def reset(self):
        resume(self._reset)()

    def write(self, data):
        resume(self._write)(data)

    def read(self, timeout):
        return resume(self._read)(timeout)
