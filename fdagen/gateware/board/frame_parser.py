"""The bridge's frame parser: host bytes in, input-stream beats out.

It reads the host-to-device frames of :mod:`fdagen.arch.bridge`: ``[stream, count, beats]``,
each beat ``byte_counts[stream]`` bytes, little-endian, and offers every complete beat on
``beats`` with its stream id. The bytes of a beat are assembled in place (byte ``i`` into bits
``[8 i, 8 i + 8)``); bits above the stream's own byte count are left over from earlier beats
and are the consumer's to ignore (it keeps its stream's width).

While a beat is offered and not taken, ``data.ready`` is low: the parser stalls, and the bytes
behind it wait in the UART receiver (which reports an overrun if the wait is too long; the
bridge's credits make it a clock or two). A frame naming a stream beyond ``byte_counts``
pulses ``bad_stream``; its byte is dropped and the next byte is read as a stream id again.
"""

from amaranth import Module, Signal, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["FrameParser"]


class FrameParser(wiring.Component):
    """See the module docstring.

    Parameters
    ----------
    byte_counts : tuple of int
        Bytes per beat of each input stream, by stream id (each 1..16).

    Members
    -------
    data : In(stream.Signature(unsigned(8)))
        Bytes from the host.
    beats : Out(stream.Signature(StructLayout({"stream": ..., "data": 8 * max(byte_counts)})))
        Complete beats and the stream each belongs to.
    bad_stream : Out(1)
        One-clock pulse: a frame named an unknown stream.
    """

    def __init__(self, byte_counts):
        byte_counts = tuple(byte_counts)
        if not byte_counts or any(not isinstance(n, int) or not 1 <= n <= 16
                                  for n in byte_counts):
            raise ValueError(f"byte counts must be a non-empty tuple of integers in 1..16, not "
                             f"{byte_counts!r}")
        self._byte_counts = byte_counts
        super().__init__({
            "data": In(stream.Signature(unsigned(8))),
            "beats": Out(stream.Signature(data.StructLayout({
                "stream": range(len(byte_counts)), "data": 8 * max(byte_counts)}))),
            "bad_stream": Out(1),
        })

    @property
    def byte_counts(self):
        return self._byte_counts

    def elaborate(self, platform):
        m = Module()
        counts = self._byte_counts
        byte = self.data.payload
        stream_id = Signal(range(len(counts)), name="frame_stream")
        beats_left = Signal(8, name="frame_beats_left")
        byte_index = Signal(range(max(counts)), name="beat_byte")
        last_byte = Signal(range(max(counts)), name="beat_last_byte")
        m.d.comb += self.beats.payload.stream.eq(stream_id)
        with m.Switch(stream_id):
            for index, count in enumerate(counts):
                with m.Case(index):
                    m.d.comb += last_byte.eq(count - 1)

        with m.If(self.beats.ready):
            m.d.sync += self.beats.valid.eq(0)
        m.d.comb += self.data.ready.eq(~self.beats.valid)
        with m.FSM(name="frame"):
            with m.State("STREAM"):
                with m.If(self.data.valid & self.data.ready):
                    with m.If(byte < len(counts)):
                        m.d.sync += stream_id.eq(byte)
                        m.next = "COUNT"
                    with m.Else():
                        m.d.comb += self.bad_stream.eq(1)
            with m.State("COUNT"):
                with m.If(self.data.valid & self.data.ready):
                    m.d.sync += [beats_left.eq(byte), byte_index.eq(0)]
                    with m.If(byte != 0):
                        m.next = "BEAT"
                    with m.Else():
                        m.next = "STREAM"
            with m.State("BEAT"):
                with m.If(self.data.valid & self.data.ready):
                    m.d.sync += self.beats.payload.data.word_select(byte_index, 8).eq(byte)
                    with m.If(byte_index == last_byte):
                        m.d.sync += [self.beats.valid.eq(1), byte_index.eq(0),
                                     beats_left.eq(beats_left - 1)]
                        with m.If(beats_left == 1):
                            m.next = "STREAM"
                    with m.Else():
                        m.d.sync += byte_index.eq(byte_index + 1)
        return m
