"""The host's side of the UART bridge (:mod:`fdagen.arch.bridge`): frames out, messages in.

Three layers, kept apart so one protocol implementation drives a board and a simulation:

* :class:`BridgeSession`, no I/O at all: given the layers' streams (the words of
  :mod:`fdagen.host.descriptor`), :meth:`~BridgeSession.frames` returns the bytes the host may
  send now (as far as its credits go), :meth:`~BridgeSession.receive` takes whatever bytes came
  back (in pieces of any size), and :meth:`~BridgeSession.results` gives each layer's output
  words and counters once :attr:`~BridgeSession.done`;
* :class:`Transport`: ``reset()`` (a line break), ``write(data)`` and ``read(timeout)``.
  :class:`SerialTransport` is a pyserial port; the cocotb bench has a simulated one
  (``fdagen.tb.uart``);
* :func:`run_session`: the loop between them, the same for both.

No Amaranth here: a host program needs only NumPy, pyserial and this package's host modules.
"""

import time
from abc import ABC, abstractmethod

from fdagen.arch.bridge import (BREAK_BITS, ERROR_FLAGS, INPUT_STREAMS, MAX_FRAME_BEATS,
                                TAG_COUNTERS, TAG_CREDIT, TAG_ERROR, TAG_OUT, BridgeFormat)
from fdagen.arch.fields import COUNTERS as COUNTER_TABLE

__all__ = ["BridgeError", "BridgeSession", "Transport", "SerialTransport", "run_session",
           "encode_frame"]


class BridgeError(RuntimeError):
    """The device reported an error, sent something the protocol does not allow, or stalled."""


def encode_frame(stream, beats, beat_bytes):
    """One frame: ``stream`` (an index of :data:`INPUT_STREAMS`), then the beats' count and the
    beats, ``beat_bytes`` little-endian bytes each (at most :data:`MAX_FRAME_BEATS` beats)."""
    if not 0 <= stream < len(INPUT_STREAMS):
        raise ValueError(f"stream must be between 0 and {len(INPUT_STREAMS) - 1}, not {stream!r}")
    if len(beats) > MAX_FRAME_BEATS:
        raise ValueError(f"a frame must hold at most {MAX_FRAME_BEATS} beats, not {len(beats)}")
    limit = 1 << (8 * beat_bytes)
    for beat in beats:
        if not 0 <= beat < limit:
            raise ValueError(f"beats must be between 0 and {limit - 1}, not {beat!r}")
    return bytes([stream, len(beats)]) + b"".join(int(beat).to_bytes(beat_bytes, "little")
                                                  for beat in beats)


class BridgeSession:
    """The host's side of running ``layers`` through the bridge of ``fmt`` (a
    :class:`~fdagen.arch.bridge.BridgeFormat`), back to back.

    ``layers`` is a list of ``(desc words, weight beats, pixel beats)``. Each input stream's
    beats of every layer go out in order, as the credits allow; the device's output beats are
    split into layers at their ``last`` flags, its counter beats at theirs.
    """

    def __init__(self, fmt, layers):
        if not isinstance(fmt, BridgeFormat):
            raise TypeError(f"format must be a BridgeFormat, not {fmt!r}")
        self.format = fmt
        self.layers = len(layers)
        self._pending = [[int(beat) for layer in layers for beat in layer[index]]
                         for index in range(len(INPUT_STREAMS))]
        self._sent = [0] * len(INPUT_STREAMS)
        self._credits = [fmt.depth] * len(INPUT_STREAMS)
        self._buffer = bytearray()
        self._out_mask = (1 << fmt.config.data_width) - 1
        self.outputs = [[]]          # per layer: output words (the code's low data_width bits)
        self.counters = [[]]         # per layer: counter values
        self.messages = 0

    @property
    def done(self):
        """Every input beat sent and every layer's counters received."""
        return (all(sent == len(beats) for sent, beats in zip(self._sent, self._pending))
                and len(self.counters) > self.layers)

    def frames(self):
        """The frames the credits allow now: bytes to send (possibly empty)."""
        data = bytearray()
        for index, name in enumerate(INPUT_STREAMS):
            beats, size = self._pending[index], self.format.input_bytes(name)
            while self._credits[index] and self._sent[index] < len(beats):
                count = min(self._credits[index], len(beats) - self._sent[index],
                            MAX_FRAME_BEATS)
                first = self._sent[index]
                data += encode_frame(index, beats[first:first + count], size)
                self._sent[index] += count
                self._credits[index] -= count
        return bytes(data)

    def receive(self, data):
        """Take bytes from the device (any part of a message, or several messages)."""
        self._buffer += data
        fmt = self.format
        while self._buffer:
            tag = self._buffer[0]
            try:
                length = fmt.message_length(tag)
            except ValueError:
                raise BridgeError(f"the device sent tag 0x{tag:02x}, which the protocol does "
                                  f"not have (a wrong baud rate or bitstream?)") from None
            if len(self._buffer) < 1 + length:
                return
            value = int.from_bytes(self._buffer[1:1 + length], "little")
            del self._buffer[:1 + length]
            self.messages += 1
            self._message(tag, value)

    def _message(self, tag, value):
        fmt = self.format
        if tag == TAG_ERROR:
            named = [text for bit, text in ERROR_FLAGS.items() if value & bit] or [f"0x{value:x}"]
            raise BridgeError(f"the device reported: {'; '.join(named)}")
        if tag == TAG_OUT:
            self._check_layer("an output")
            self.outputs[-1].append(value & self._out_mask)
            if value >> fmt.config.data_width:
                self.outputs.append([])
        elif tag == TAG_COUNTERS:
            self._check_layer("a counter", self.counters)
            self.counters[-1].append(value & 0xFFFFFFFF)
            last = value >> 32
            if last != (len(self.counters[-1]) == len(COUNTER_TABLE)):
                raise BridgeError(f"counter {len(self.counters[-1])} of a layer came with last "
                                  f"= {last}: the device's counters must number "
                                  f"{len(COUNTER_TABLE)}, last on the final one")
            if last:
                self.counters.append([])
        else:
            index = tag - TAG_CREDIT
            self._credits[index] += value
            if self._credits[index] > fmt.depth or value == 0:
                raise BridgeError(f"the device returned {value} credits for "
                                  f"{INPUT_STREAMS[index]}, more than were sent")

    def _check_layer(self, what, lists=None):
        lists = self.outputs if lists is None else lists
        if len(lists) > self.layers:
            raise BridgeError(f"the device sent {what} after the last layer's")

    def results(self):
        """Per layer ``{"outputs": words, "counters": {name: value}}`` (once :attr:`done`)."""
        if not self.done:
            raise BridgeError("the session is not done: results come after every layer's "
                              "counters")
        if len(self.outputs) != self.layers + 1 or self.outputs[-1]:
            raise BridgeError(f"the device sent {len(self.outputs) - 1} layers' outputs (by "
                              f"their last flags) for {self.layers} layers' counters")
        names = [name for name, _ in COUNTER_TABLE]
        return [{"outputs": words, "counters": dict(zip(names, values))}
                for words, values in zip(self.outputs[:self.layers], self.counters)]


class Transport(ABC):
    """A byte link to the bridge: a serial port, or a simulated UART."""

    @abstractmethod
    def reset(self):
        """Send a line break (the line low for at least
        :data:`~fdagen.arch.bridge.BREAK_BITS` bit times), wait for it to act and discard
        anything received so far."""

    @abstractmethod
    def write(self, data):
        """Queue ``data`` for sending (without waiting for the line)."""

    @abstractmethod
    def read(self, timeout):
        """Bytes received: at least one, or none after ``timeout`` seconds of the link's time."""


class SerialTransport(Transport):
    """A pyserial port at ``baud``, 8N1, no flow control."""

    def __init__(self, port, baud):
        import serial

        self.baud = baud
        self.port = serial.Serial(port, baud, bytesize=8, parity="N", stopbits=1, timeout=0,
                                  xonxoff=False, rtscts=False, dsrdtr=False)

    def reset(self):
        self.port.send_break(duration=max(0.01, 2 * BREAK_BITS / self.baud))
        # the break's own framing error goes out as an ERROR message: wait for it, drop it
        time.sleep(0.01 + 40 / self.baud)
        self.port.reset_input_buffer()

    def write(self, data):
        self.port.write(data)

    def read(self, timeout):
        self.port.timeout = timeout
        data = self.port.read(1)
        self.port.timeout = 0
        return data + self.port.read(self.port.in_waiting or 0) if data else b""

    def close(self):
        self.port.close()


def run_session(transport, session, stall=5.0, poll=0.05):
    """Run ``session`` over ``transport`` from a line break until it is done; return
    :meth:`BridgeSession.results`. Raises :class:`BridgeError` when the device reports an
    error or sends nothing for ``stall`` seconds (of the link's time) while the host waits."""
    transport.reset()
    waited = 0.0
    while not session.done:
        data = session.frames()
        if data:
            transport.write(data)
        received = transport.read(poll)
        if received:
            session.receive(received)
            waited = 0.0
        else:
            waited += poll
            if waited >= stall:
                raise BridgeError(f"the device sent nothing for {stall:g} s ({session.messages} "
                                  f"messages so far; is the board programmed with this build "
                                  f"at this baud rate?)")
    return session.results()
