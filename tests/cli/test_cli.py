"""The command line: good runs, and one clear error with nothing written for bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest

from fdagen import __version__
from fdagen.cli import main
from fdagen.golden.direct import conv_direct
from fdagen.golden.pipeline import sqnr_db


@pytest.fixture
def files(tmp_path, rng):
    arrays = {
        "x": rng.uniform(-1, 1, (3, 20, 20)),
        "w": rng.normal(0, 1 / np.sqrt(75), (4, 3, 5, 5)),
        "b": rng.normal(0, 0.1, 4),
        "w2": rng.normal(0, 1, (4, 2, 5, 5)),
        "small": np.zeros((3, 2, 2)),
        "x_int": rng.integers(-32768, 32768, (3, 20, 20)),
        "w_int": rng.integers(-800, 800, (4, 3, 5, 5)),
        "b_wide": np.zeros(5),
        "x_nan": np.full((3, 20, 20), np.nan),
        "rank2": np.zeros((20, 20)),
        "rect": np.zeros((4, 3, 5, 3)),
    }
    for name, array in arrays.items():
        np.save(tmp_path / f"{name}.npy", array)
    (tmp_path / "text.npy").write_text("not an array")
    return tmp_path


def run(argv, capsys):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def conv_args(d, x="x", w="w", *extra, out="y.npy"):
    return ["golden", "conv2d", "--input", d / f"{x}.npy", "--weights", d / f"{w}.npy",
            *extra, "--out", d / out]


def test_float_conv(files, capsys):
    status, out, _ = run(conv_args(files, "x", "w", "--bias", files / "b.npy"), capsys)
    assert status == 0 and "spectral float" in out
    y = np.load(files / "y.npy")
    assert y.shape == (4, 16, 16) and y.dtype == np.float64


def test_fixed_conv_float_and_raw_agree(files, capsys):
    args = ["--stride", 2, "--padding", 1, "--relu", "--fixed"]
    status, out, _ = run(conv_args(files, "x", "w", *args, out="f.npy"), capsys)
    assert status == 0 and "SQNR vs float" in out
    status, out, _ = run(conv_args(files, "x", "w", *args, "--raw", out="r.npy"), capsys)
    assert status == 0
    frac = int(out.split("codes with ")[1].split(" fraction")[0])
    raw, floats = np.load(files / "r.npy"), np.load(files / "f.npy")
    assert raw.dtype == np.int32 and raw.shape == floats.shape == (4, 9, 9)
    assert np.array_equal(np.ldexp(raw.astype(float), -frac), floats)
    assert raw.min() >= 0


@pytest.mark.parametrize("fixed", [[], ["--fixed"]], ids=["float", "fixed"])
def test_strided_conv_as_polyphase_or_decimated(files, capsys, fixed):
    """Both treatments of a stride against the direct strided definition: in float within
    1e-12 of the output's scale (summation order); in fixed point each its own bit-true
    pipeline, both above 60 dB SQNR."""
    x, w, b = (np.load(files / f"{name}.npy") for name in ("x", "w", "b"))
    reference = conv_direct(x, w, b, 3, 2)
    for strided in ("polyphase", "decimate"):
        args = ["--stride", 3, "--padding", 2, "--bias", files / "b.npy", *fixed,
                "--strided", strided]
        status, out, _ = run(conv_args(files, "x", "w", *args, out=f"{strided}.npy"), capsys)
        assert status == 0
        assert ("stride 3 as 9 polyphase components: 27 channels, K=2 on 8x8" in out) == \
            (strided == "polyphase")
        y = np.load(files / f"{strided}.npy")
        assert y.shape == reference.shape == (4, 7, 7)
        if fixed:
            assert sqnr_db(reference, y) > 60
        else:
            assert np.abs(y - reference).max() <= 1e-12 * np.abs(reference).max()


def test_fixed_conv_takes_integer_codes(files, capsys):
    status, out, _ = run(conv_args(files, "x_int", "w_int", "--fixed"), capsys)
    assert status == 0
    assert float(out.split("SQNR vs float ")[1].split(" dB")[0]) >= 60


BAD = [
    (["golden", "conv2d", "--input", "{d}/missing.npy", "--weights", "{d}/w.npy"],
     "input file '{d}/missing.npy' does not exist"),
    (["golden", "conv2d", "--input", "{d}/text.npy", "--weights", "{d}/w.npy"],
     "input file '{d}/text.npy' must be a NumPy .npy array"),
    (["golden", "conv2d", "--input", "{d}/rank2.npy", "--weights", "{d}/w.npy"],
     "input must have rank 3 (C, H, W), not shape (20, 20)"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/x.npy"],
     "weights must have rank 4 (M, C, K, K), not shape (3, 20, 20)"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/rect.npy"],
     "weights must have square K x K kernels, not 5x3"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/w2.npy"],
     "weights must have C = 3 input channels to match the input, not 2"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/w.npy", "--bias",
      "{d}/b_wide.npy"], "bias must have shape (4,) to match the weights, not (5,)"),
    (["golden", "conv2d", "--input", "{d}/small.npy", "--weights", "{d}/w.npy"],
     "kernel size must be at most the padded input size 2, not 5"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/w.npy", "--fft-size", "8",
      "--tile", "6"], "FFT size must be at least tile + kernel - 1 = 10, not 8"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/w.npy", "--fft-size", "12"],
     "FFT size must be a power of two between 4 and 1024, not 12"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/w.npy", "--stride", "-1"],
     "argument --stride: must be at least 1, not -1"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/w.npy", "--padding", "-1"],
     "argument --padding: must be at least 0, not -1"),
    (["golden", "conv2d", "--input", "{d}/x_nan.npy", "--weights", "{d}/w.npy"],
     "input array must be finite, not contain NaN or infinity"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/w.npy", "--raw"],
     "--raw needs --fixed"),
    (["golden", "conv2d", "--input", "{d}/x.npy", "--weights", "{d}/w.npy", "--fixed",
      "--data-width", "2"], "data width must be between 4 and 32, not 2"),
    (["golden", "conv2d", "--input", "{d}/x_int.npy", "--weights", "{d}/w.npy", "--fixed",
      "--data-width", "8"], "integer input codes must lie in [-128, 127] for 8-bit words"),
]


@pytest.mark.parametrize("argv, message", BAD)
def test_bad_input_one_line_nothing_written(files, capsys, argv, message):
    out = files / "y.npy"
    argv = [a.format(d=files) for a in argv] + ["--out", str(out)]
    try:
        status = main(argv)
    except SystemExit as exit_:      # argparse-level errors
        status = exit_.code
    _, err = capsys.readouterr()
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("fdagen")
    assert message.format(d=files) in err
    assert not out.exists()
    assert not list(files.glob(".y.npy.*"))      # no temporary left behind


@pytest.fixture
def files3d(tmp_path, rng):
    arrays = {
        "x": rng.uniform(-1, 1, (3, 6, 9, 8)),
        "w": rng.normal(0, 1 / np.sqrt(81), (4, 3, 3, 3, 3)),
        "b": rng.normal(0, 0.1, 4),
        "w2d": rng.normal(0, 0.1, (4, 3, 3, 3)),
        "box": np.zeros((4, 3, 3, 3, 2)),
    }
    for name, array in arrays.items():
        np.save(tmp_path / f"{name}.npy", array)
    return tmp_path


def conv3d_args(d, *extra, w="w", out="y.npy"):
    return ["golden", "conv3d", "--input", d / "x.npy", "--weights", d / f"{w}.npy",
            "--bias", d / "b.npy", *extra, "--out", d / out]


def test_conv3d_float_and_fixed(files3d, capsys):
    """``golden conv3d``: float within 1e-12 of the direct definition (summation order); the
    bit-true pipeline's floats are its codes over 2**output_frac, above 60 dB SQNR."""
    x, w, b = (np.load(files3d / f"{name}.npy") for name in ("x", "w", "b"))
    reference = conv_direct(x, w, b, 2, 1)
    status, out, _ = run(conv3d_args(files3d, "--stride", 2, "--padding", 1), capsys)
    assert status == 0 and "spectral float" in out
    y = np.load(files3d / "y.npy")
    assert y.shape == reference.shape == (4, 3, 5, 4)
    assert np.abs(y - reference).max() <= 1e-12 * np.abs(reference).max()
    fixed = ["--stride", 2, "--padding", 1, "--fixed"]
    status, out, _ = run(conv3d_args(files3d, *fixed, out="f.npy"), capsys)
    assert status == 0 and float(out.split("SQNR vs float ")[1].split(" dB")[0]) >= 60
    status, out, _ = run(conv3d_args(files3d, *fixed, "--raw", out="r.npy"), capsys)
    frac = int(out.split("codes with ")[1].split(" fraction")[0])
    raw, floats = np.load(files3d / "r.npy"), np.load(files3d / "f.npy")
    assert raw.dtype == np.int32 and raw.shape == floats.shape == (4, 3, 5, 4)
    assert np.array_equal(np.ldexp(raw.astype(float), -frac), floats)
    assert sqnr_db(reference, floats) >= 60


@pytest.mark.parametrize("extra, w, message", [
    ([], "w2d", "weights must have rank 5 (M, C, K, K, K), not shape (4, 3, 3, 3)"),
    ([], "box", "weights must have cubic K x K x K kernels, not 3x3x2"),
    (["--fft-size", "8", "--tile", "7"], "w",
     "FFT size must be at least tile + kernel - 1 = 9, not 8"),
])
def test_conv3d_bad_input(files3d, capsys, extra, w, message):
    status, _, err = run(conv3d_args(files3d, *extra, w=w), capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1 and message in err
    assert not (files3d / "y.npy").exists()


def test_missing_output_directory(files, capsys):
    status, _, err = run(conv_args(files, out="no/such/dir/y.npy"), capsys)
    assert status == 2 and "must be in an existing directory" in err and "does not exist" in err


def test_cmc_json_and_table(capsys):
    status, out, _ = run(["cmc", "--net", "alexnet", "--json"], capsys)
    assert status == 0
    result = json.loads(out)
    assert [c["layer"] for c in result["layers"]][:2] == ["conv1", "conv2"]
    status, out, _ = run(["cmc", "--net", "lenet5"], capsys)
    assert status == 0 and "complex MACs" in out and "C3" in out


def test_golden_net_json(capsys):
    status, out, _ = run(["golden", "net", "--net", "lenet5", "--data", "digits", "--limit", 30,
                          "--calibration", 16, "--sqnr-images", 5, "--json"], capsys)
    assert status == 0
    report = json.loads(out)
    assert set(report["accuracy"]) == {"spatial_float", "spectral_float", "spectral_fixed"}
    assert report["layers"]["C1"]["fft_size"] >= 8


def test_golden_net_rejects_untrained_network(capsys):
    status, _, err = run(["golden", "net", "--net", "alexnet"], capsys)
    assert status == 2 and "network must be lenet5" in err


def test_console_script_version_and_help():
    fdagen = [sys.executable, "-m", "fdagen"]
    version = subprocess.run(fdagen + ["--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"fdagen {__version__}"
    for command in (["golden", "conv2d"], ["golden", "net"], ["cmc"], ["golden"], []):
        result = subprocess.run(fdagen + command + ["--help"], capture_output=True, text=True,
                                check=True)
        assert result.stdout.startswith("usage: fdagen")
    result = subprocess.run(fdagen + ["frobnicate"], capture_output=True, text=True)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_golden_net_reram_reports_the_crossbars(capsys):
    status, out, _ = run(["golden", "net", "--limit", 4, "--calibration", 4, "--sqnr-images", 2,
                          "--pe-kind", "reram", "--adc-bits", 6, "--sigma", 0.05, "--stuck-at",
                          0.01, "--seed", 3, "--json"], capsys)
    assert status == 0
    report = json.loads(out)
    assert set(report["accuracy"]) == {"spatial_float", "spectral_float", "spectral_fixed",
                                       "spectral_fixed_reram"}
    reram = report["crossbars"]
    assert reram["adc_bits"] == 6 and reram["full_resolution_bits"] == 9
    assert reram["device"] == {"sigma": 0.05, "stuck_low": 0.005, "stuck_high": 0.005,
                               "program_fail": 0.0, "max_attempts": 8, "seed": 3}
    for layer in reram["layers"].values():
        # stuck cells off their target fail write-verify and are counted
        assert layer["program_failures"] > 0 and layer["program_pulses"] > layer["cells"]
    status, text, _ = run(["golden", "net", "--limit", 2, "--calibration", 2, "--sqnr-images",
                           1, "--pe-kind", "reram"], capsys)
    assert status == 0 and "spectral fixed reram accuracy" in text
    assert "9-bit ADCs (full resolution 9)" in text
