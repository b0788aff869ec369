"""Bad input as a new user gives it (issue 11): one line, exit status 2, nothing written, and
refused before any long work. Every case here failed differently before (a traceback, a late
refusal, a misleading message, or a silent NaN result)."""

import os

import numpy as np
import pytest

import fdagen.emit.accelerator
import fdagen.flows.build
import fdagen.flows.simulate
import fdagen.model.explore
import fdagen.optimize.search
from fdagen.cli import main

#: Imported before any test patches them, so that none binds a stand-in for good.
PATCHED = (fdagen.emit.accelerator, fdagen.flows.build, fdagen.flows.simulate,
           fdagen.model.explore, fdagen.optimize.search)


@pytest.fixture
def d(tmp_path):
    arrays = {
        "x": np.ones((2, 8, 8)), "w": np.ones((3, 2, 3, 3)) / 18,
        "x_huge": np.full((2, 8, 8), 1e308), "w_huge": np.full((3, 2, 3, 3), 1e308),
        "b_huge": np.full(3, 1e308),
        "w_codes": np.full((3, 2, 3, 3), 40000, dtype=np.int64),
        "b_codes": np.full(3, -40000, dtype=np.int64),
        "x70": np.ones((2, 70, 70)), "w65": np.ones((2, 2, 65, 65)),
        "x1100": np.ones((1100, 8, 8)), "w1100": np.ones((2, 1100, 3, 3)),
        "v40": np.ones((2, 40, 40, 40)), "w33": np.ones((2, 2, 33, 33, 33)),
        "v": np.ones((2, 4, 5, 6)), "w3d": np.ones((3, 2, 3, 3, 3)),
    }
    for name, array in arrays.items():
        np.save(tmp_path / f"{name}.npy", array)
    (tmp_path / "text.npy").write_text("a text file, not an array\n")
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "a_file").write_text("")
    (tmp_path / "mlp.toml").write_text('in_channels = 1\nin_shape = [8, 8]\n[[layers]]\n'
                                       'kind = "fc"\nout_channels = 10\n')
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "mine.txt").write_text("mine\n")
    np.savez(tmp_path / "nan.npz", **{"C1.w": np.full((6, 1, 5, 5), np.nan), "C1.b": np.zeros(6)})
    np.savez(tmp_path / "short.npz", **{"C1.w": np.zeros((6, 1, 5, 5))})
    return tmp_path


def fail(argv, capsys):
    """Run ``argv``; return its one-line error (asserting status 2 and one line)."""
    status = main([str(a) for a in argv])
    _, err = capsys.readouterr()
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("fdagen: error: "), err
    return err


def snapshot(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def conv(d, x="x", w="w", *extra, out="y.npy"):
    return ["golden", "conv2d", "--input", d / f"{x}.npy", "--weights", d / f"{w}.npy", *extra,
            "--out", d / out]


def sim(d, x="x", w="w", *extra, out="y.npy"):
    return ["sim", "conv2d", "--pes", "4", "--input", d / f"{x}.npy", "--weights",
            d / f"{w}.npy", *extra, "--out", d / out]


@pytest.fixture
def no_generation(monkeypatch):
    """Make any accelerator elaboration or simulation fail the test: the refusal must come
    first."""
    def forbidden(*args, **kwargs):
        raise AssertionError("long work started before the input was checked")
    monkeypatch.setattr("fdagen.emit.accelerator.render_accelerator", forbidden)
    monkeypatch.setattr("fdagen.flows.build.render_accelerator", forbidden)
    monkeypatch.setattr("fdagen.flows.simulate.run_rtl", forbidden)
    monkeypatch.setattr("fdagen.flows.simulate.run_network", forbidden)
    monkeypatch.setattr("fdagen.model.explore.run_sweep", forbidden)
    monkeypatch.setattr("fdagen.optimize.search.search", forbidden)
    monkeypatch.setattr("fdagen.optimize.search.evaluate", forbidden)


CASES = [
    # output paths
    (lambda d: conv(d, out="a_dir"), "output file '{d}/a_dir' must be a file, not a directory"),
    (lambda d: ["build", "--pes", "4", "--out", d / "a_file" / "o"],
     "output directory '{d}/a_file/o' must be inside a directory, but '{d}/a_file' is a file"),
    (lambda d: ["explore", "--net", "lenet5", "--out", d / "a_file" / "o"],
     "output directory '{d}/a_file/o' must be inside a directory, but '{d}/a_file' is a file"),
    (lambda d: sim(d, "x", "w", "--waves", d / "nodir" / "w.fst"),
     "waveform file '{d}/nodir/w.fst' must be in an existing directory"),
    (lambda d: ["build", "--pes", "4", "--out", d],
     "output directory '{d}' must be empty or new (pass --force to replace it)"),
    (lambda d: ["synth", "--target", "generic", "--pes", "4", "--out", d],
     "output directory '{d}' must be empty or new"),
    # sizes bounded before allocation
    (lambda d: conv(d, "x", "w", "--padding", "1000000"),
     "padded input size must be between 1 and 4096, not 2000008"),
    (lambda d: sim(d, "x", "w", "--padding", "1000000"),
     "padded input size must be between 1 and 4096, not 2000008"),
    (lambda d: ["build", "--pes", "4", "--max-size", "4096", "--max-channels", "1024", "--out",
                d / "o"], "fmap memory depth must be at most 16777216 words to generate, not "
                          "17179869184"),
    (lambda d: ["build", "--pes", "16", "--fft-size", "64", "--max-size", "4096", "--out",
                d / "o"], "memory depth must be at most 16777216 words to generate"),
    # numbers
    (lambda d: conv(d, "x_huge", "w"), "output must be finite, not overflow float64"),
    (lambda d: conv(d, "x", "w_huge", "--fixed"),
     "the spectral weights must be finite, not overflow float64"),
    (lambda d: conv(d, "x", "w", "--bias", d / "b_huge.npy", "--fixed"),
     "the float reference must be finite, not overflow float64"),
    (lambda d: conv(d, "x", "w_codes", "--fixed"),
     "integer weight codes must lie in [-32768, 32767] for 16-bit words, not [40000, 40000]"),
    (lambda d: conv(d, "x", "w", "--bias", d / "b_codes.npy", "--fixed"),
     "integer bias codes must lie in [-32768, 32767] for 16-bit words, not [-40000, -40000]"),
    # messages that name what the user gave
    (lambda d: sim(d, "x70", "w65"), "kernel size must be at most 64 on the 2-D accelerator"),
    (lambda d: ["sim", "conv3d", "--input", d / "v40.npy", "--weights", d / "w33.npy", "--out",
                d / "y.npy"], "kernel size must be at most 32 on the 3-D accelerator"),
    (lambda d: ["sim", "conv3d", "--input", d / "x.npy", "--weights", d / "w3d.npy", "--out",
                d / "y.npy"], "input must have rank 4 (C, D, H, W), not shape (2, 8, 8)"),
    (lambda d: ["sim", "conv3d", "--input", d / "v.npy", "--weights", d / "w3d.npy",
                "--fft-size", "64", "--out", d / "y.npy"],
     "FFT size of a 3-D build must be a power of two between 4 and 32, not 64"),
    (lambda d: ["build", "--dims", "3", "--fft-size", "64", "--out", d / "o"],
     "FFT size of a 3-D build must be a power of two between 4 and 32, not 64"),
    (lambda d: sim(d, "x1100", "w1100"),
     "input channels must be at most 1024 on the accelerator, not 1100 (from '{d}/x1100.npy')"),
    (lambda d: conv(d, "a_dir", "w"), "input file '{d}/a_dir.npy' does not exist"),
    (lambda d: ["golden", "conv2d", "--input", d / "a_dir", "--weights", d / "w.npy", "--out",
                d / "y.npy"], "input file '{d}/a_dir' must be a file, not a directory"),
    (lambda d: conv(d, "text", "w"),
     "input file '{d}/text.npy' must be a NumPy .npy array (np.save), not another kind of file"),
    # PE kinds
    (lambda d: conv(d, "x", "w", "--pe-kind", "reram"),
     "--pe-kind must be digital without --fixed (the reram kind's crossbars compute on "
     "integer codes), not reram"),
    (lambda d: conv(d, "x", "w", "--fixed", "--adc-bits", "6"),
     "--adc-bits needs --pe-kind reram, not --pe-kind digital"),
    (lambda d: sim(d, "x", "w", "--adc-share", "3"),
     "--adc-share must be left at its default for PE kind 'digital'"),
    (lambda d: sim(d, "x", "w", "--pe-kind", "reram", "--adc-bits", "40"),
     "ADC bits must be between 1 and 22, not 40"),
    (lambda d: sim(d, "x", "w", "--pe-kind", "reram", "--adc-bits", "12"),
     "ADC bits must be between 1 and 9 (the full resolution of 128 rows of 2-bit cells and "
     "1-bit DACs), not 12"),
    (lambda d: sim(d, "x", "w", "--pe-kind", "reram", "--adc-share", "7"),
     "ADC share must divide the crossbar columns"),
    (lambda d: ["build", "--pes", "64", "--pe-kind", "reram", "--weight-sets", "65536", "--out",
                d / "o"], "crossbar macros must be at most 4096 to generate, not 32768"),
    (lambda d: ["build", "--pes", "4", "--weight-sets", "5", "--out", d / "o"],
     "weight sets (at least U/L = 40, one output-channel group) must be between 40 and "
     "65536, not 5"),
    (lambda d: ["build", "--pes", "16", "--weight-beat-words", "3", "--out", d / "o"],
     "weight beat words must be a power of two dividing the output-channel slots 16, not 3"),
    (lambda d: ["build", "--pes", "16", "--pe-kind", "reram", "--weight-beat-words", "2",
                "--out", d / "o"],
     "weight beat words must be 1 for PE kind 'reram' (its crossbars program one weight at a "
     "time), not 2"),
    (lambda d: ["build", "--pes", "16", "--fft-lanes", "2", "--spectrum-tiles", "3", "--out",
                d / "o"], "spectrum tiles must be a multiple of the FFT lanes 2, not 3"),
    (lambda d: ["build", "--pes", "16", "--pixel-beat-words", "3", "--out", d / "o"],
     "pixel beat words must be a power of two at most 8 and the feature-map row pitch 32, "
     "not 3"),
    (lambda d: ["build", "--pes", "16", "--max-size", "3", "--pixel-beat-words", "8", "--out",
                d / "o"],
     "pixel beat words must be a power of two at most 8 and the feature-map row pitch 4, not 8"),
    (lambda d: ["build", "--pes", "16", "--pixel-beat-words", "16", "--out", d / "o"],
     "pixel beat words must be between 1 and 8, not 16"),
    (lambda d: ["build", "--pes", "4", "--pe-kind", "reram", "--weight-sets", "80", "--out",
                d / "o"],
     "weight sets must be at least G U/L = 4 x 40 = 160 for PE kind 'reram' (its crossbars hold "
     "a layer's every group), not 80"),
    # the ECP5 DSP variant of the FFT core
    (lambda d: ["synth", "--target", "ice40", "--block", "fft", "--fft-size", "16", "--dsp",
                "ecp5", "--out", d / "o"], "--dsp ecp5 must go with --target ecp5, not ice40"),
    (lambda d: ["synth", "--target", "generic", "--block", "fft", "--fft-size", "16",
                "--placer", "static", "--out", d / "o"],
     "--placer must go with --target ecp5 or ice40 (nextpnr), not generic"),
    (lambda d: ["synth", "--target", "generic", "--block", "fft", "--fft-size", "16",
                "--seed", "2", "--out", d / "o"],
     "--seed must go with --target ecp5 or ice40 (nextpnr), not generic"),
    (lambda d: ["synth", "--target", "ecp5", "--block", "fft", "--fft-size", "16",
                "--seed", "0", "--out", d / "o"],
     "--seed must be an integer from 1 to 2147483647, not 0"),
    (lambda d: ["build", "--block", "fft2d", "--fft-size", "8", "--dsp", "ecp5", "--out",
                d / "o"],
     "DSP kind must be generic for the fft2d block (ecp5 is for fft and ifft at 1 sample per "
     "clock), not 'ecp5'"),
    (lambda d: ["build", "--block", "fft", "--fft-size", "16", "--samples-per-clock", "2",
                "--dsp", "ecp5", "--out", d / "o"],
     "DSP kind must be generic for 2 samples per clock (ecp5 is for fft and ifft at 1 sample "
     "per clock), not 'ecp5'"),
    # the accelerator's ECP5 multipliers
    (lambda d: ["build", "--pes", "4", "--dsp", "ecp5", "--data-width", "20", "--out", d / "o"],
     "data and weight widths must be at most 18 bits with --dsp ecp5 (one MULT18X18D per PE "
     "product), not 20 and 16"),
    (lambda d: ["synth", "--target", "ice40", "--pes", "4", "--dsp", "ecp5", "--out", d / "o"],
     "--dsp ecp5 must go with --target ecp5, not ice40"),
    # whole networks on the RTL
    (lambda d: ["sim", "net", "--images", "451"],
     "--images must be between 1 and 450 (the digits test set), not 451"),
    (lambda d: ["sim", "net", "--fft-size", "4"],
     "FFT size must be at least the kernel size 5 of layer 'C1', not 4"),
    (lambda d: ["sim", "net", "--pes", "5000"], "PE count must be between 1 and 4096, not 5000"),
    # network reduction (issue 16)
    (lambda d: optimize(d, "--strategy", "width"),
     "--strategy must be size, depth, both or a comma-separated list of them, not 'width'"),
    (lambda d: optimize(d, "--strategy", "size,size"),
     "--strategy must be size, depth, both or a comma-separated list of them, not 'size,size'"),
    (lambda d: optimize(d, drop="-1"),
     "--max-accuracy-drop must be a percentage between 0 and 100, not '-1'"),
    (lambda d: optimize(d, drop="101"),
     "--max-accuracy-drop must be a percentage between 0 and 100, not '101'"),
    (lambda d: optimize(d, drop="three"),
     "--max-accuracy-drop must be a percentage between 0 and 100, not 'three'"),
    (lambda d: optimize(d, "--net", d / "mlp.toml"),
     "network 'mlp' must have at least one conv layer, not none"),
    (lambda d: optimize(d, "--net", "alexnet"),
     "network 'alexnet' must take 1 input channel(s) for digits, not 3"),
    (lambda d: optimize(d, "--net", "conv3d-small"),
     "network 'conv3d-small' must take square 2-D images for digits, not input shape "
     "[16, 32, 32]"),
    (lambda d: optimize(d, "--levels", "1"), "levels must be an integer between 2 and 64, not 1"),
    (lambda d: optimize(d, "--jobs", "0"), "--jobs must be between 1 and 64, not 0"),
    (lambda d: optimize(d, "--seeds", "0"), "--seeds must be between 1 and 16, not 0"),
    (lambda d: optimize(d, "--pes", "5000"),
     "PE count must be between 1 and 4096, not 5000"),
    (lambda d: optimize(d, out="a_file"),
     "output directory '{d}/a_file' must be a directory, not a file"),
    (lambda d: optimize(d, out="keep"),
     "output directory '{d}/keep' must be empty or new (pass --force to replace it)"),
    (lambda d: ["golden", "net", "--net", d / "mlp.toml", "--weights", d / "x.npy"],
     "network 'mlp' must have at least one conv layer, not none"),
    (lambda d: ["golden", "net", "--weights", d / "text.npy"],
     "weights file '{d}/text.npy' must be a NumPy .npz archive (np.savez), not another kind "
     "of file"),
    (lambda d: ["golden", "net", "--weights", d / "w.npy"],
     "weights file '{d}/w.npy' must be a NumPy .npz archive (np.savez), not a single .npy "
     "array"),
    (lambda d: ["golden", "net", "--weights", d / "nan.npz"],
     "weights file '{d}/nan.npz': C1.w must be finite, not holding NaN or infinity"),
    (lambda d: optimize(d, "--seed", "-1"),
     "--seed must be between 0 and 2147483647 (with --seeds 1), not -1"),
    (lambda d: optimize(d, "--lr", "0"), "--lr must be a positive finite number, not 0"),
    (lambda d: optimize(d, "--lr", "nan"), "--lr must be a positive finite number, not nan"),
    (lambda d: optimize(d, "--test-images", "451"),
     "--test-images must be at most 450 (the digits test split), not 451"),
    (lambda d: optimize(d, "--train-images", "2000"),
     "--train-images must be at most 1347 (the digits training split), not 2000"),
    (lambda d: optimize(d, "--train-images", "10"),
     "--calibration must be at most the 10 training images used, not 64"),
    # a network file and its weights through the RTL (issue 16)
    (lambda d: ["sim", "net", "--net", d / "mlp.toml"],
     "network must be lenet5 (the one with trained weights) or come with --weights, not "
     "'{d}/mlp.toml'"),
    (lambda d: ["sim", "net", "--net", d / "mlp.toml", "--weights", d / "short.npz"],
     "network 'mlp' must have at least one conv layer, not none"),
    (lambda d: ["sim", "net", "--weights", d / "short.npz"],
     "weights file '{d}/short.npz': C1.b must have shape (6,) for network 'lenet5', not "
     "missing"),
    (lambda d: ["sim", "net", "--weights", d / "w.npy"],
     "weights file '{d}/w.npy' must be a NumPy .npz archive (np.savez), not a single .npy "
     "array"),
]


def optimize(d, *extra, drop="3", out="o"):
    return ["optimize", "--max-accuracy-drop", drop, *extra, "--out", d / out]


@pytest.mark.parametrize("make, message", CASES, ids=range(len(CASES)))
def test_refused_early_in_one_line(d, capsys, no_generation, make, message):
    if "must be empty or new" in message:
        (d / "keep.v").write_text("// mine\n")
    before = snapshot(d)
    err = fail(make(d), capsys)
    assert message.format(d=d) in err
    assert snapshot(d) == before                   # nothing written, nothing left behind


@pytest.mark.parametrize("kind, body, message", [
    ("channels", 'in_channels = 100000\nin_shape = [32, 32]\n',
     "net.toml: in_channels must be an integer between 1 and 1024, not 100000"),
    ("image", 'in_channels = 1\nin_shape = [100000, 100000]\n',
     "net.toml: in_shape entry must be an integer between 1 and 4096, not 100000"),
    ("layer", 'in_channels = 1\nin_shape = [32, 32]\n',
     "net.toml: layer 1 ('conv1'): out_channels must be an integer between 1 and 1024, "
     "not 100000"),
])
def test_network_file_errors_name_the_file_and_layer(tmp_path, capsys, kind, body, message):
    out = 100000 if kind == "layer" else 4
    net = tmp_path / "net.toml"
    net.write_text(body + f'[[layers]]\nkind = "conv"\nname = "conv1"\nout_channels = {out}\n'
                          f'kernel = 3\n')
    err = fail(["energy", "--net", net], capsys)
    assert message in err


def test_force_in_the_current_directory_is_refused(tmp_path, capsys, monkeypatch,
                                                   no_generation):
    (tmp_path / "mine.v").write_text("// mine\n")
    monkeypatch.chdir(tmp_path)
    err = fail(["build", "--pes", "4", "--out", ".", "--force"], capsys)
    assert "output directory '.' must not be the current directory or contain it" in err
    assert os.listdir(tmp_path) == ["mine.v"]
    err = fail(["build", "--pes", "4", "--out", "..", "--force"], capsys)
    assert "must not be the current directory or contain it" in err


def test_a_bug_is_not_reported_as_a_user_error(monkeypatch):
    """An unexpected exception inside fdagen propagates (a traceback to report), instead of
    being printed as if the user's input were wrong."""
    def broken(*args, **kwargs):
        raise ValueError("an internal inconsistency")
    monkeypatch.setattr("fdagen.golden.cmc.network_counts", broken)
    with pytest.raises(ValueError, match="an internal inconsistency"):
        main(["cmc", "--net", "lenet5"])


@pytest.mark.parametrize("extra, message", [
    (["--adc-bits", "6"], "--adc-bits needs --pe-kind reram, not --pe-kind digital"),
    (["--pe-kind", "reram", "--adc-bits", "0"], "ADC bits must be between 1 and 22, not 0"),
    (["--pe-kind", "reram", "--xbar-rows", "2000"],
     "crossbar rows must be between 1 and 1024, not 2000"),
    (["--pe-kind", "reram", "--stuck-at", "1.5"], "stuck-at rate must be between 0 and 1, not 1.5"),
    (["--pe-kind", "reram", "--stuck-at", "nan"], "stuck-at rate must be between 0 and 1, not nan"),
    (["--pe-kind", "reram", "--sigma", "nan"], "sigma must be between 0 and 1, not nan"),
    (["--pe-kind", "reram", "--seed", "-1"], "device seed must be between 0 and"),
])
def test_golden_net_crossbar_options(capsys, monkeypatch, extra, message):
    import fdagen.golden.digits

    def no_data(*args):                      # refused before the data set is even loaded
        raise AssertionError("loaded data before checking the options")

    monkeypatch.setattr(fdagen.golden.digits, "load_digits32", no_data)
    assert message in fail(["golden", "net", *extra], capsys)
