"""Inverse side of the accelerator: output-spectrum reads -> requantize -> tile IFFT lanes ->
overlap-add buffer.

IFFT lane ``i`` of ``LI`` owns output-channel slots ``j = i, i + LI, ...`` and so the output
channels ``m = g J + j``. For each pass of the MAC stage (a tile and an output-channel group,
:mod:`fdagen.gateware.accel.tile_loop`; once the array has finished it) and each of the lane's
channels of the group, it reads the accumulated half spectrum in :meth:`IFFT2D.input_order
<fdagen.gateware.fft.ifft2d.IFFT2D.input_order>` (:meth:`IFFT3D.input_order
<fdagen.gateware.fft.ifft3d.IFFT3D.input_order>` in 3-D; the bins of the forward order,
:func:`~fdagen.gateware.accel.layer.layer_bin`), requantizes it (``>> spectrum_shift``, rounded,
saturating to the spectrum width) into an :class:`~fdagen.gateware.fft.ifft2d.IFFT2D`
(:class:`~fdagen.gateware.fft.ifft3d.IFFT3D`), and adds the real tile into the lane's overlap-add
bank at ``(ty T + y, tx T + x)`` (and ``tz T + z``) of channel ``m``'s window (a ring of ``2 N``
rows when that is less than a plane: :mod:`fdagen.gateware.accel.inverse_lane`). The first tile (in
raster order) to touch a position writes it, later ones read-modify-write, so the bank needs no
clearing. Lanes never share a channel, so never a bank.

It reads through ``output`` (:class:`~fdagen.gateware.accel.interfaces.OutputSpectrumRead`,
whose ``fed`` counts passes whose spectra every lane has read: the array may then reuse the
slot) and serves ``drain`` (:class:`~fdagen.gateware.accel.interfaces.DrainRead`: the bands lane 0
announces, through a short queue, and ``final``, the bands final in every lane, registered;
``busy`` says the drain's lane needs its read port, and ``finished`` says every lane has added
every pass of the layer; ``drained`` goes to every lane). The
drain reads only the lane it names, so the others' overlap-adds go on undisturbed. While
``hold`` (the previous layer's drain still reads the banks), no lane starts a pass.
"""

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from fdagen.gateware.accel.interfaces import (BAND_LAYOUT, DrainRead, LayerControl,
                                              OutputSpectrumRead)
from fdagen.gateware.blocks import INLINE
from fdagen.gateware.common.arith import minimum

__all__ = ["IFFTStage"]


class IFFTStage(wiring.Component):
    """See the module docstring. ``config`` is an :class:`fdagen.arch.config.AcceleratorConfig`;
    ``acc_width`` the PE accumulator width; ``blocks`` a
    :class:`fdagen.gateware.blocks.BlockLibrary`."""

    def __init__(self, config, acc_width, blocks=INLINE):
        self.config = c = config
        self._blocks = blocks
        self.acc_width = acc_width
        super().__init__({
            "control": In(LayerControl(c)),
            "output": Out(OutputSpectrumRead(c, acc_width)),
            "drain": In(DrainRead(c)),
            "hold": In(1),
            "frames": Out(32), "spectrum_reads": Out(32), "oaa_reads": Out(32),
            "oaa_writes": Out(32),
        })

    def elaborate(self, platform):
        m = Module()
        c = self.config
        li = c.ifft_lanes
        fed, finished, finals, busy, events = [], [], [], [], []
        # the bands lane 0 has fed, for the drain (a few suffice: a lane may start a tile row
        # only once all but the last band it fed are drained); the head is a register, for the
        # drain's band-start compares
        m.submodules.bands = bands = SyncFIFOBuffered(width=BAND_LAYOUT.size, depth=4)
        m.d.comb += [self.drain.bands.valid.eq(bands.r_rdy),
                     self.drain.bands.payload.eq(bands.r_data),
                     bands.r_en.eq(self.drain.bands.ready)]
        # the drain's request, registered on its way to the lanes' banks
        request_en = Signal(li, name="drain_request_en")
        request_bank = Signal.like(self.drain.bank, name="drain_request_bank")
        request_addr = Signal.like(self.drain.addr, name="drain_request_addr")
        request_lane = Signal.like(self.drain.lane, name="drain_request_lane")
        m.d.sync += [request_en.eq(Cat(*[self.drain.en & (self.drain.lane == i)
                                          for i in range(li)])),
                     request_bank.eq(self.drain.bank), request_addr.eq(self.drain.addr),
                     request_lane.eq(self.drain.lane)]
        drain_reads = []
        # the passes the array has finished, registered for the lanes (0 while the lanes hold,
        # and in the start's clock, when the count restarts): a clock late, which can only
        # delay a pass by a clock (the count only grows within a layer)
        mac_done = Signal(c.count_width, name="mac_done")
        m.d.sync += mac_done.eq(Mux(self.hold | self.control.start, 0, self.output.done))
        for i in range(li):
            lane = self._blocks.ifft_lane(c, self.acc_width)
            m.submodules[f"lane{i}"] = lane
            wiring.connect(m, wiring.flipped(self.control), lane.control)
            m.d.comb += [
                lane.index.eq(i), lane.mac_done.eq(mac_done),
                self.output.en[i].eq(lane.spec_en), self.output.addr[i].eq(lane.spec_addr),
                self.output.bank[i].eq(lane.spec_bank), lane.spec_data.eq(self.output.data[i]),
                lane.drain_en.eq(request_en[i]),
                lane.drain_bank.eq(request_bank), lane.drain_addr.eq(request_addr),
                lane.drained.eq(self.drain.drained),
                # every lane walks the same passes: lane 0 announces the bands
                lane.band_ready.eq(bands.w_rdy if i == 0 else 1),
            ]
            if i == 0:
                m.d.comb += [bands.w_en.eq(lane.band_valid), bands.w_data.eq(lane.band)]
            fed.append(lane.fed)
            finished.append(lane.finished)
            finals.append(lane.finals)
            busy.append(lane.oaa_busy)
            events.append({"frame": lane.frame_event, "read": lane.read_event,
                           "oaa_read": lane.oaa_read_event, "oaa_write": lane.oaa_write_event})
            drain_reads.append(lane.drain_data)

        # the passes every lane has read, registered (the lanes' counts only grow within a
        # layer, so a clock late only delays the array; at a start the array's first two
        # passes need no lane)
        fed_min = Signal(c.count_width, name="fed_min")
        m.d.sync += fed_min.eq(minimum(m, fed, "fed_lanes_min"))
        # every lane has added every pass, registered: the lanes' count compares end here, not
        # in the run's state (the run ends a clock later; the array is busy in the clock after
        # a start, so the previous layer's flag is never taken for this one's)
        all_finished = Signal(name="lanes_finished")
        m.d.sync += all_finished.eq(Cat(*finished).all())
        m.d.comb += [self.output.fed.eq(fed_min),
                     self.drain.finished.eq(all_finished),
                     self.drain.busy.eq(Cat(*busy).bit_select(
                         self.drain.lane * c.oaa_banks + self.drain.bank, 1))]
        # the bands final in every lane: the minimum registered, then passed on, 0 in the
        # second and third clocks after a start (the lanes' counts restart at the start; the
        # drain may wait a clock longer for a band, never take one early: the counts only grow
        # in a layer). In the clock after a start it is still the previous layer's: the drain
        # takes a layer's first band three clocks after its start at the soonest (IDLE, TAKE,
        # then BUSY decides), and while it drains the previous layer that layer's run is over
        # (its bands are all final whatever this says). The start reaches the reset from
        # registers beside it, not from the loader's hand-over across the die.
        finals_min = Signal(16, name="finals_min")
        start_d = Signal(2, name="final_start_d")
        m.d.sync += [finals_min.eq(minimum(m, finals, "finals_lanes_min")),
                     start_d.eq(Cat(self.control.start, start_d[0])),
                     self.drain.final.eq(Mux(start_d.any(), 0, finals_min))]

        # the request's lane, delayed to its word: the bank's read port, then the lane's
        # word register
        lane_d = [Signal.like(self.drain.lane, name=f"drain_lane_d{i}") for i in range(2)]
        m.d.sync += [lane_d[0].eq(request_lane), lane_d[1].eq(lane_d[0])]
        lane_d = lane_d[-1]
        chosen = drain_reads[0]
        for i in range(1, li):
            chosen = Mux(lane_d == i, drain_reads[i], chosen)
        m.d.sync += self.drain.data.eq(chosen)

        with m.If(self.control.start):
            m.d.sync += [self.frames.eq(0), self.spectrum_reads.eq(0), self.oaa_reads.eq(0),
                         self.oaa_writes.eq(0)]
        with m.Else():
            m.d.sync += [
                self.frames.eq(self.frames + sum(e["frame"] for e in events)),
                self.spectrum_reads.eq(self.spectrum_reads + sum(e["read"] for e in events)),
                self.oaa_reads.eq(self.oaa_reads + sum(e["oaa_read"] for e in events)),
                self.oaa_writes.eq(self.oaa_writes + sum(e["oaa_write"] for e in events)),
            ]
        return m
