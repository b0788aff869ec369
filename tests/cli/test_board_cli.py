"""``fdagen board build|run``: bad input refused in one line (exit 2) before any long work, and
``board run`` end to end over a pseudo-terminal against a stand-in board (a thread speaking
the bridge protocol that answers with the golden output, or a wrong one)."""

import os
import threading

import numpy as np
import pytest

import fdagen.flows.board
from fdagen.arch.bridge import TAG_COUNTERS, TAG_CREDIT, TAG_OUT, BridgeFormat
from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.fields import COUNTERS as COUNTER_TABLE
from fdagen.cli import main
from fdagen.flows.board import BOARD_DEFAULTS

PATCHED = (fdagen.flows.board,)


@pytest.fixture
def d(tmp_path):
    rng = np.random.default_rng(3)
    np.save(tmp_path / "x.npy", rng.uniform(-1, 1, (2, 8, 8)))
    np.save(tmp_path / "w.npy", rng.normal(0, 0.2, (3, 2, 3, 3)))
    np.save(tmp_path / "b.npy", rng.normal(0, 0.1, 3))
    np.save(tmp_path / "x5.npy", np.ones((5, 8, 8)))
    np.save(tmp_path / "w5.npy", np.ones((3, 5, 3, 3)) / 45)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a_file").write_text("")
    return tmp_path


@pytest.fixture
def no_board_work(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("long work started before the input was checked")
    monkeypatch.setattr("fdagen.flows.board.run_board_build", forbidden)
    monkeypatch.setattr("fdagen.flows.board.run_on_board", forbidden)


def run(d, *extra, x="x", w="w", port="/nonexistent/ttyUSB9"):
    return ["board", "run", "--port", port, "--input", d / f"{x}.npy", "--weights",
            d / f"{w}.npy", *extra]


CASES = [
    (lambda d: ["board", "build", "--board", "ulx3s-99f", "--out", d / "o"],
     "board must be one of ulx3s-85f, ulx3s-45f, ulx3s-25f, not 'ulx3s-99f'"),
    (lambda d: ["board", "build", "--board", "ulx3s-85f", "--out", d / "full"],
     "output directory '{d}/full' must be empty or new (pass --force to replace it)"),
    (lambda d: ["board", "build", "--board", "ulx3s-85f", "--baud", "3000000", "--out", d / "o"],
     "baud rate must be within 2 % of 25 MHz / n, not 3000000 (4.2 % off with n = 8)"),
    (lambda d: ["board", "build", "--board", "ulx3s-85f", "--clock", "100", "--out", d / "o"],
     "--clock must be the board's 25 MHz on ulx3s-85f, not 100"),
    (lambda d: ["board", "build", "--board", "ulx3s-85f", "--pe-kind", "reram", "--out",
                d / "o"], "PE kind must be one that synthesizes on a board (digital; the "
                          "crossbars of the others are black-box macros), not 'reram'"),
    (lambda d: ["board", "build", "--board", "ulx3s-85f", "--depth", "300", "--out", d / "o"],
     "bridge FIFO depth must be between 1 and 255, not 300"),
    (lambda d: ["board", "build", "--board", "ulx3s-85f", "--pes", "0", "--out", d / "o"],
     "PE count must be between 1 and"),
    (lambda d: run(d), "serial port '/nonexistent/ttyUSB9' must be a serial device this user "
                       "can open, not give"),
    (lambda d: run(d, x="x5", w="w5"),
     "input channels must be between 1 and 4 for this build, not 5"),
    (lambda d: run(d, x="nope"), "input file '{d}/nope.npy' does not exist"),
    (lambda d: run(d, "--layer-fft-size", "16"), "FFT size"),
    (lambda d: run(d, "--baud", "10"), "baud rate must be an integer between 24 and 6250000"),
    (lambda d: run(d, "--dims", "3"), "board run takes 2-D layers: the build's dims must be 2, "
                                      "not 3"),
]


@pytest.mark.parametrize("make, message", CASES)
def test_refused_early_in_one_line(d, capsys, no_board_work, make, message):
    before = sorted(p.name for p in d.iterdir())
    status = main([str(a) for a in make(d)])
    _, err = capsys.readouterr()
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("fdagen: error: "), err
    assert message.format(d=d) in err
    assert sorted(p.name for p in d.iterdir()) == before


class StandInBoard(threading.Thread):
    """The device side of the protocol on a pseudo-terminal's master: credits for every beat;
    once ``pixels`` pixel beats are in, ``codes`` as output messages and zero counters."""

    def __init__(self, master, fmt, pixels, codes):
        super().__init__(daemon=True)
        self.master, self.fmt, self.pixels, self.codes = master, fmt, pixels, codes

    def run(self):
        sizes = [self.fmt.input_bytes(s) for s in ("desc", "weights", "pixels")]
        buffer, got = bytearray(), 0
        while got < self.pixels:
            buffer += os.read(self.master, 4096)
            while len(buffer) >= 2 and len(buffer) >= 2 + buffer[1] * sizes[buffer[0]]:
                stream, count = buffer[0], buffer[1]
                del buffer[:2 + count * sizes[stream]]
                got += count if stream == 2 else 0
                os.write(self.master, bytes([TAG_CREDIT + stream, count]))
        width = self.fmt.config.data_width
        reply = bytearray()
        for index, code in enumerate(self.codes):
            last = index == len(self.codes) - 1
            reply += bytes([TAG_OUT]) + ((int(code) & ((1 << width) - 1))
                                     | (last << width)).to_bytes(3, "little")
        for index in range(len(COUNTER_TABLE)):
            last = index == len(COUNTER_TABLE) - 1
            reply += bytes([TAG_COUNTERS]) + (last << 32).to_bytes(5, "little")
        os.write(self.master, bytes(reply))


@pytest.mark.parametrize("corrupt", [False, True], ids=["golden", "one-code-wrong"])
def test_board_run_against_a_stand_in_board(d, capsys, corrupt):
    """The command's layer, its golden output (from ``golden conv2d --fixed`` with the same
    options, in the output stream's order) sent back by the stand-in: exit 0 and the same
    output file as golden; one code changed: exit 1."""
    import tty

    from fdagen.cli.sim import layer_operands
    from fdagen.host.descriptor import encode_output

    golden = ["golden", "conv2d", "--input", d / "x.npy", "--weights", d / "w.npy", "--bias",
              d / "b.npy", "--relu", "--fixed", "--raw", "--out", d / "golden.npy"]
    assert main([str(a) for a in golden]) == 0
    expected = np.load(d / "golden.npy")
    config = AcceleratorConfig(**BOARD_DEFAULTS)
    from fdagen.cli.sim import layer_tiling, prepare_layer_job

    class Args:
        input, weights, bias, stride, padding, strided = (d / "x.npy", d / "w.npy",
                                                          d / "b.npy", 1, 0, "polyphase")
        dims, fft_scaling, tile, relu, pe_kind = 2, "calibrated", None, True, "digital"
        data_width, twiddle_width, weight_width, spectrum_width, rounding = \
            16, 16, 16, 16, "convergent"
    x, w, b, stride, padding, _ = layer_operands(Args)
    tiling = layer_tiling(Args, x, w, stride, padding, config.fft_size, None)
    job, _ = prepare_layer_job(Args, config, x, w, b, tiling)
    np.testing.assert_array_equal(job.expected, expected)
    codes = encode_output(job.descriptor, expected).copy()
    if corrupt:
        codes[3] += 1
    master, slave = os.openpty()
    tty.setraw(master)
    board = StandInBoard(master, BridgeFormat(config), len(job.pixels), codes)
    board.start()
    try:
        status = main([str(a) for a in run(d, "--bias", d / "b.npy", "--relu", "--raw", "--out",
                                           d / "board.npy", port=os.ttyname(slave))])
    finally:
        board.join(5)
        os.close(master)
        os.close(slave)
    out, err = capsys.readouterr()
    assert status == (1 if corrupt else 0), err
    if corrupt:
        assert "DIFFERENT FROM golden" in out and "1 of 108 output codes differ" in err
    else:
        assert "bit-identical to golden conv2d --fixed" in out
        assert (d / "board.npy").read_bytes() == (d / "golden.npy").read_bytes()
