"""The host's side of the bridge protocol (fdagen.host.bridge) without hardware: frame bytes,
credits, message decoding in pieces, errors, and the session loop against a Python model of
the device."""

import pytest

from fdagen.arch.bridge import (TAG_COUNTERS, TAG_CREDIT, TAG_ERROR, TAG_OUT, BridgeFormat,
                                divisor_for)
from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.fields import COUNTERS as COUNTER_TABLE
from fdagen.golden.checks import ParameterError
from fdagen.host.bridge import (BridgeError, BridgeSession, Transport, encode_frame,
                                run_session)

CONFIG = AcceleratorConfig(pes=4, max_channels=4, max_out_channels=8, max_size=16)


def out_message(code, last=False, width=16):
    value = (code & ((1 << width) - 1)) | (int(last) << width)
    return bytes([TAG_OUT]) + value.to_bytes(3, "little")


def counter_messages(values):
    data = b""
    for index, value in enumerate(values):
        last = index == len(values) - 1
        data += bytes([TAG_COUNTERS]) + (value | (int(last) << 32)).to_bytes(5, "little")
    return data


def test_format_byte_counts():
    fmt = BridgeFormat(CONFIG)
    assert [fmt.input_bytes(s) for s in ("desc", "weights", "pixels")] == [4, 4, 2]
    tags = (TAG_CREDIT, TAG_CREDIT + 2, TAG_OUT, TAG_COUNTERS, TAG_ERROR)
    assert [fmt.message_length(tag) for tag in tags] == [1, 1, 3, 5, 1]
    wide = BridgeFormat(AcceleratorConfig(pes=8, weight_beat_words=2, pixel_beat_words=4,
                                          data_width=12))
    assert [wide.input_bytes(s) for s in ("desc", "weights", "pixels")] == [4, 8, 6]
    assert wide.message_length(TAG_OUT) == 2
    with pytest.raises(ParameterError, match=r"^bridge FIFO depth must be between 1 and 255, "
                                             r"not 256$"):
        BridgeFormat(CONFIG, 256)
    with pytest.raises(ParameterError, match=r"^message tag must be one of .*not 0x13$"):
        BridgeFormat(CONFIG).message_length(0x13)


def test_divisor_for():
    assert divisor_for(25e6, 115200) == 217
    assert divisor_for(25e6, 1_000_000) == 25
    with pytest.raises(ParameterError, match=r"^baud rate must be within 2 % of 25 MHz / n, "
                                             r"not 3000000 \(4.2 % off with n = 8\)$"):
        divisor_for(25e6, 3_000_000)
    with pytest.raises(ParameterError, match=r"^baud rate must be an integer between 24 and "
                                             r"6250000 \(4 to 1048576 clocks a bit at 25 MHz\), "
                                             r"not 7000000$"):
        divisor_for(25e6, 7_000_000)


def test_encode_frame():
    assert encode_frame(1, [0x04030201, 0xFF], 4) == bytes([1, 2, 1, 2, 3, 4, 0xFF, 0, 0, 0])
    assert encode_frame(2, [], 2) == bytes([2, 0])
    with pytest.raises(ValueError, match=r"^stream must be between 0 and 2, not 3$"):
        encode_frame(3, [1], 2)
    with pytest.raises(ValueError, match=r"^beats must be between 0 and 65535, not 65536$"):
        encode_frame(2, [65536], 2)
    with pytest.raises(ValueError, match=r"^a frame must hold at most 255 beats, not 256$"):
        encode_frame(0, [0] * 256, 4)


def test_session_sends_only_what_its_credits_allow():
    layers = [(list(range(30)), list(range(100)), list(range(5)))]
    session = BridgeSession(BridgeFormat(CONFIG, depth=16), layers)
    first = session.frames()
    # desc: 16 of 30 beats, weights: 16 of 100, pixels: all 5
    assert first == (encode_frame(0, list(range(16)), 4) + encode_frame(1, list(range(16)), 4)
                     + encode_frame(2, list(range(5)), 2))
    assert session.frames() == b""
    session.receive(bytes([TAG_CREDIT + 1, 3]))
    assert session.frames() == encode_frame(1, [16, 17, 18], 4)
    with pytest.raises(BridgeError, match=r"^the device returned 17 credits for weights, more "
                                          r"than were sent$"):
        session.receive(bytes([TAG_CREDIT + 1, 17]))


def test_session_decodes_messages_in_any_pieces():
    session = BridgeSession(BridgeFormat(CONFIG), [([1], [2], [3])])
    session.frames()
    stream = (bytes([TAG_CREDIT, 1]) + out_message(-5) + out_message(7, last=True)
              + counter_messages(list(range(100, 100 + len(COUNTER_TABLE)))))
    for index in range(0, len(stream), 3):
        assert not session.done
        session.receive(stream[index:index + 3])
    assert session.done
    [layer] = session.results()
    assert layer["outputs"] == [(-5) & 0xFFFF, 7]
    assert list(layer["counters"].values()) == list(range(100, 100 + len(COUNTER_TABLE)))
    assert list(layer["counters"]) == [name for name, _ in COUNTER_TABLE]


def test_session_errors():
    session = BridgeSession(BridgeFormat(CONFIG), [([1], [2], [3])])
    with pytest.raises(BridgeError, match=r"^the device reported: framing: a stop bit was "
                                          r"low .*; stream: a frame named"):
        session.receive(bytes([TAG_ERROR, 0x05]))
    with pytest.raises(BridgeError, match=r"^the device sent tag 0x77, which the protocol "
                                          r"does not have"):
        BridgeSession(BridgeFormat(CONFIG), []).receive(b"\x77")
    early = BridgeSession(BridgeFormat(CONFIG), [([1], [2], [3])])
    with pytest.raises(BridgeError, match=r"^counter 1 of a layer came with last = 1"):
        early.receive(bytes([TAG_COUNTERS]) + (1 << 32).to_bytes(5, "little"))
    with pytest.raises(BridgeError, match=r"^the session is not done"):
        BridgeSession(BridgeFormat(CONFIG), [([1], [2], [3])]).results()


class DeviceModel(Transport):
    """The device as the protocol states it: parses frames, takes each beat into the layer,
    returns a credit per beat, and once a layer's inputs are in sends its outputs (the sum of
    its pixels, then the pixels themselves, last on the final) and counters."""

    def __init__(self, layers, fmt, silent=False):
        self.layers, self.fmt, self.silent = layers, fmt, silent
        self.inbox, self.outbox = bytearray(), bytearray()
        self.got = [[], [], []]
        self.done_layers = 0
        self.resets = 0

    def reset(self):
        self.resets += 1

    def write(self, data):
        self.inbox += data
        sizes = [self.fmt.input_bytes(s) for s in ("desc", "weights", "pixels")]
        while len(self.inbox) >= 2:
            stream, count = self.inbox[0], self.inbox[1]
            length = 2 + count * sizes[stream]
            if len(self.inbox) < length:
                return
            for i in range(count):
                start = 2 + i * sizes[stream]
                self.got[stream].append(int.from_bytes(self.inbox[start:start + sizes[stream]],
                                                       "little"))
            del self.inbox[:length]
            assert sum(self.got[stream]) is not None
            self.outbox += bytes([TAG_CREDIT + stream, count])
            self._finish_layers()

    def _finish_layers(self):
        totals = [0, 0, 0]
        for index, layer in enumerate(self.layers):
            totals = [t + len(words) for t, words in zip(totals, layer)]
            if index < self.done_layers:
                continue
            if all(len(got) >= total for got, total in zip(self.got, totals)):
                pixels = layer[2]
                codes = [sum(pixels)] + pixels
                for i, code in enumerate(codes):
                    self.outbox += out_message(code, last=i == len(codes) - 1)
                self.outbox += counter_messages([index] * len(COUNTER_TABLE))
                self.done_layers += 1

    def read(self, timeout):
        if self.silent:
            return b""
        data, self.outbox = bytes(self.outbox[:7]), self.outbox[7:]   # a few bytes at a time
        return data


def test_run_session_against_a_device_model():
    fmt = BridgeFormat(CONFIG, depth=8)
    layers = [(list(range(20)), list(range(300)), [1, 2, 3]),
              (list(range(20)), list(range(40)), [4, 5])]
    device = DeviceModel(layers, fmt)
    results = run_session(device, BridgeSession(fmt, layers), stall=1.0, poll=0.01)
    assert device.resets == 1
    assert device.got == [[w for layer in layers for w in layer[s]] for s in range(3)]
    assert [r["outputs"] for r in results] == [[6, 1, 2, 3], [9, 4, 5]]
    assert [set(r["counters"].values()) for r in results] == [{0}, {1}]


def test_run_session_gives_up_on_a_silent_device():
    fmt = BridgeFormat(CONFIG)
    layers = [([1], [2], [3])]
    with pytest.raises(BridgeError, match=r"^the device sent nothing for 0.5 s \(0 messages so "
                                          r"far; is the board programmed"):
        run_session(DeviceModel(layers, fmt, silent=True), BridgeSession(fmt, layers),
                    stall=0.5, poll=0.1)
