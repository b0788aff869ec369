"""The UART bridge's byte protocol: how a host runs layers on a board over one serial line.

The board's bitstream is :class:`fdagen.gateware.board.bridge.UARTBridge`: a UART (8N1) in
front of the accelerator's five streams. This module is the protocol's one statement; the
gateware and the host side (:mod:`fdagen.host.bridge`) both read it. Multi-byte values are
little-endian; a beat of ``w`` bits takes ``ceil(w / 8)`` bytes (:class:`BridgeFormat`),
the unused high bits zero.

Host to device: frames
----------------------
``[stream, count, beat 0, ..., beat count-1]``: ``stream`` is 0 (``desc``), 1 (``weights``) or
2 (``pixels``) (:data:`INPUT_STREAMS`), ``count`` the beats that follow, 0..255 (0: an empty
frame). A frame's beats go to that stream's FIFO in the device, ``depth`` beats deep
(:attr:`BridgeFormat.depth`), and from there to the accelerator as it takes them.

Device to host: messages
------------------------
Each a tag byte and a payload of fixed length (:meth:`BridgeFormat.message_length`):

``TAG_CREDIT + s, n`` (0x10 + s)
    The accelerator took ``n`` (1..255) more beats of input stream ``s`` from its FIFO.
``TAG_OUT, payload`` (0x20)
    One ``out`` beat: the accelerator's payload bits (the signed code in the low
    ``data_width`` bits, ``last`` above it).
``TAG_COUNTERS, payload`` (0x30)
    One ``counters`` beat: the 32-bit value, ``last`` in bit 32 (5 bytes).
``TAG_ERROR, flags`` (0x40)
    Something went wrong since the last such message (:data:`ERROR_FLAGS`). The link is then
    out of step: the host stops and resets the device (a line break, below).

Flow control: credits
---------------------
The UART receiver cannot make the host wait, so the device must take every byte as it
arrives. It can, because the host never sends a beat of stream ``s`` it holds no credit for:
it starts with ``depth`` credits per stream and gets them back from ``TAG_CREDIT`` messages, one
per beat the accelerator has taken. So a beat always finds room in its FIFO, the frame parser
is never stalled for longer than a clock, and the receiver's one-byte buffer is empty again
long before the next byte's stop bit. A host that oversteps its credits stalls the parser; the
receiver then reports ``overrun`` instead of losing the byte silently.

Why credits: the host needs no knowledge of the accelerator's timing (it sends as far as its
credits go, on whichever streams it has data and credits for, and waits for messages
otherwise), the three input streams flow concurrently as the accelerator needs (its weights
stream may wait for pixels: per-stream credits never block one stream behind another), and the
device needs only a FIFO per stream plus a counter of beats taken. Outputs need no flow
control in this direction: the device sends as fast as the line goes (the accelerator's
``out`` stream simply waits for the transmitter), and the host's serial driver buffers.

Reset: a line break
-------------------
The host holds the line low for at least :data:`BREAK_BITS` bit times (pyserial's
``send_break``); the device then resets everything behind the receiver (parser, FIFOs,
credits, the accelerator) when the line returns high, so a run can start clean after an
aborted one. The host starts every run with a break.
"""

from dataclasses import dataclass

from fdagen.arch.fields import WORD_BITS
from fdagen.golden.checks import ParameterError, check_int

__all__ = ["INPUT_STREAMS", "TAG_CREDIT", "TAG_OUT", "TAG_COUNTERS", "TAG_ERROR", "ERROR_FLAGS",
           "BREAK_BITS", "MAX_FRAME_BEATS", "MAX_DIVISOR", "DEFAULT_DEPTH", "DEFAULT_BAUD",
           "BridgeFormat", "beat_bytes", "divisor_for"]

#: Host-to-device stream ids, in order: the ``stream`` byte of a frame is the index.
INPUT_STREAMS = ("desc", "weights", "pixels")

#: Device-to-host tags (``TAG_CREDIT + s`` for input stream ``s``).
TAG_CREDIT = 0x10
TAG_OUT = 0x20
TAG_COUNTERS = 0x30
TAG_ERROR = 0x40

#: ``TAG_ERROR`` flag bits: what each means.
ERROR_FLAGS = {
    0x01: "framing: a stop bit was low (line noise, a wrong baud rate)",
    0x02: "overrun: a byte arrived before the previous one was taken (the host sent beyond "
          "its credits)",
    0x04: "stream: a frame named a stream other than 0, 1 or 2",
}

#: Bit times the line must stay low for the device to reset.
BREAK_BITS = 24

#: Most beats in one frame (the count byte).
MAX_FRAME_BEATS = 255

#: Most clocks per bit the UART takes.
MAX_DIVISOR = 1 << 20

#: Beats per input-stream FIFO in the device (the host's initial credits).
DEFAULT_DEPTH = 64

#: Baud rate of ``fdagen board build`` and ``board run`` unless told otherwise.
DEFAULT_BAUD = 115200


def beat_bytes(width):
    """Bytes a ``width``-bit beat takes on the line."""
    return -(-width // 8)


def divisor_for(clock_hz, baud):
    """Clocks per bit for ``baud`` at ``clock_hz``: the nearest integer, which must be at least 4
    and within 2 % of the exact ratio (8N1 tolerates about 5 % between both ends)."""
    low, high = -(-int(clock_hz) // MAX_DIVISOR), int(clock_hz // 4)
    if isinstance(baud, bool) or not isinstance(baud, int) or not low <= baud <= high:
        raise ParameterError(f"baud rate must be an integer between {low} and {high} (4 to "
                             f"{MAX_DIVISOR} clocks a bit at {clock_hz / 1e6:g} MHz), not "
                             f"{baud!r}")
    divisor = round(clock_hz / baud)
    error = abs(clock_hz / divisor - baud) / baud
    if error > 0.02:
        raise ParameterError(f"baud rate must be within 2 % of {clock_hz / 1e6:g} MHz / n, not "
                             f"{baud} ({100 * error:.1f} % off with n = {divisor})")
    return divisor


@dataclass(frozen=True)
class BridgeFormat:
    """The byte sizes of a build's streams on the bridge.

    Members
    -------
    config : AcceleratorConfig
        The accelerator behind the bridge.
    depth : int
        Beats per input-stream FIFO (1..255): the host's credits per stream.
    """

    config: object
    depth: int = DEFAULT_DEPTH

    def __post_init__(self):
        check_int("bridge FIFO depth", self.depth, 1, MAX_FRAME_BEATS)

    def input_width(self, stream):
        """Bits of a beat of input stream ``stream`` (a name of :data:`INPUT_STREAMS`)."""
        c = self.config
        widths = {"desc": WORD_BITS, "weights": c.weight_beat_width,
                  "pixels": c.data_width * c.pixel_beat_words}
        if stream not in widths:
            raise ParameterError(f"input stream must be one of {', '.join(widths)}, not "
                                 f"{stream!r}")
        return widths[stream]

    def input_bytes(self, stream):
        return beat_bytes(self.input_width(stream))

    @property
    def out_width(self):
        """Bits of an ``out`` beat: the code and ``last``."""
        return self.config.data_width + 1

    @property
    def counter_width(self):
        return WORD_BITS + 1

    def message_length(self, tag):
        """Payload bytes after tag byte ``tag``."""
        if TAG_CREDIT <= tag < TAG_CREDIT + len(INPUT_STREAMS) or tag == TAG_ERROR:
            return 1
        if tag == TAG_OUT:
            return beat_bytes(self.out_width)
        if tag == TAG_COUNTERS:
            return beat_bytes(self.counter_width)
        raise ParameterError(f"message tag must be one of 0x10..0x12, 0x20, 0x30 or 0x40, not "
                             f"0x{tag:02x}")
