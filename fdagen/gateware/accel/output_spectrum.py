"""The output-spectrum buffer: one bank per PE, written by the MAC stage, read by the IFFT lanes.

PE ``p = j * L + l`` (bin lane ``l``, output-channel slot ``j``) writes its finished sums to its
own bank, two pass slots of ``U/L`` words: pass ``p``'s (a tile and an output-channel group,
:mod:`fdagen.gateware.accel.tile_loop`) sum at bin step ``k / L`` is word ``(p mod 2) U/L + k /
L`` (the stage's ``write_addr``). IFFT lane ``i``
owns slots ``j = i, i + LI, ...`` and reads its bank ``(j // LI) * L + l`` (``read_bank[i]``)
at ``read_addr[i]`` when ``read_en[i]``; ``read_data[i]`` follows
:attr:`OutputSpectrumRead.latency <fdagen.gateware.accel.interfaces.OutputSpectrumRead.latency>`
cycles later (the request register, the bank's port, the bank's word register, then the bank
mux register: the lane's address is a run-time function of the layer's size, and it fans out
to ``P / LI`` banks; the banks are spread over the die, so each bank's word is registered
beside it before the lane's mux, an AND-OR of registered one-hot selects). The MAC stage
passes these through its ``output`` port.
"""

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from fdagen.gateware.accel.interfaces import OutputSpectrumRead
from fdagen.gateware.common.layouts import complex_layout
from fdagen.gateware.common.ram import ram

__all__ = ["OutputSpectrumBuffer"]


class OutputSpectrumBuffer(wiring.Component):
    """See the module docstring: ``write_en`` writes ``write_data[p]`` to the bank of every PE
    ``p`` whose slot ``write_slots`` marks, at ``write_addr``. ``config`` is an
    :class:`fdagen.arch.config.AcceleratorConfig`, ``acc_width`` the sums' width."""

    def __init__(self, config, acc_width):
        self.config, self.acc_width = config, acc_width
        read = OutputSpectrumRead(config, acc_width).members     # the IFFT lanes' side
        super().__init__({
            "write_en": In(1), "write_slots": In(config.slots),
            "write_addr": In(range(config.output_spectrum_depth)),
            "write_data": In(data.ArrayLayout(complex_layout(acc_width), config.pes)),
            "read_en": In(read["en"].shape), "read_addr": In(read["addr"].shape),
            "read_bank": In(read["bank"].shape), "read_data": Out(read["data"].shape),
        })

    def elaborate(self, platform):
        m = Module()
        c = self.config
        acc = complex_layout(self.acc_width)
        lanes, li = c.bin_lanes, c.ifft_lanes
        # the lanes' requests, registered on their way to the banks
        request_en = [Signal(name=f"y_request_en{i}") for i in range(li)]
        request_addr = [Signal.like(self.read_addr[i], name=f"y_request_addr{i}")
                        for i in range(li)]
        request_bank = [Signal.like(self.read_bank[i], name=f"y_request_bank{i}")
                        for i in range(li)]
        for i in range(li):
            m.d.sync += [request_en[i].eq(self.read_en[i]), request_addr[i].eq(self.read_addr[i]),
                         request_bank[i].eq(self.read_bank[i])]
        choices = [[] for _ in range(li)]
        for p in range(c.pes):
            j, lane = divmod(p, lanes)
            i = j % li
            # a pass slot is written while its lane reads the other, and read once the pass's
            # sums are all in: no read meets a write
            mem = ram(acc, c.output_spectrum_depth, read_old_data=False)
            m.submodules[f"ospec{p}"] = mem
            wp, rp = mem.write_port(), mem.read_port()
            m.d.comb += [wp.en.eq(self.write_en & self.write_slots[j]),
                         wp.addr.eq(self.write_addr),
                         wp.data.eq(self.write_data[p]),
                         rp.en.eq(request_en[i]), rp.addr.eq(request_addr[i])]
            # the bank's word, registered beside it (not reset: the lane takes it by its own
            # read's timing)
            bank_word = Signal(acc, name=f"y_bank_word{p}", reset_less=True)
            m.d.sync += bank_word.eq(rp.data)
            choices[i].append(((j // li) * lanes + lane, bank_word))
        for i in range(li):
            # the request's bank as one-hot selects, registered twice: with the port's read,
            # then with the bank's word register
            banks = [bank for bank, _ in choices[i]]
            request_hot = Signal(len(banks), name=f"y_bank_hot{i}")
            selected = Signal(len(banks), name=f"y_bank_hot_d{i}")
            m.d.sync += [request_hot.eq(Cat(request_bank[i] == bank for bank in banks)),
                         selected.eq(request_hot)]
            chosen = 0
            for k, (_, value) in enumerate(choices[i]):
                chosen = chosen | Mux(selected[k], value.as_value(), 0)
            word = Signal(acc, name=f"y_word{i}", reset_less=True)
            m.d.sync += word.eq(chosen)
            m.d.comb += self.read_data[i].eq(word)
        return m
