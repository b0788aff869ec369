"""FFT core figures for BENCHMARKS.md: SQNR against widths, and ECP5 synthesis results.

    .venv/bin/python bench/fft.py            # SQNR table (seconds)
    .venv/bin/python bench/fft.py --synth    # + ECP5-85F speed 6 place and route (minutes)

SQNR: the bit-true FFT (scaled 1/2 per stage, convergent rounding, data and twiddle widths
equal) against float64 np.fft of the same quantized input, on 64 frames of uniform complex
data in [-0.5, 0.5) of full scale, seed 0. Synthesis: `fdagen synth --target ecp5` (YoWASP
Yosys synth_ecp5, nextpnr-ecp5 --85k --speed 6 --package CABGA381 --out-of-context,
150 MHz constraint, seed 1) of the 16-bit, 1 sample/clock core, with its products in
MULT18X18D output registers (`--dsp ecp5`, that command's default for the 1-D core; the 2-D
blocks' cores stay generic); `--dsp generic` gives the 1-D rows with fabric product registers.
"""

import argparse
import tempfile

import numpy as np

from fdagen.emit.block import BlockConfig, render_block
from fdagen.emit.outdir import write_output_directory
from fdagen.flows.synth import run_synthesis
from fdagen.golden.fft import FFTFormat, fft_fixed
from fdagen.golden.fixedpoint import quantize

SIZES = (16, 64, 256)
WIDTHS = (12, 14, 16, 18, 20)


def fft_sqnr(n, width, frames=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 0.5, (frames, n)) + 1j * rng.uniform(-0.5, 0.5, (frames, n))
    re, im = quantize(x.real, width - 1, width), quantize(x.imag, width - 1, width)
    fmt = FFTFormat(n, width, width, "per_stage", "convergent")
    got_re, got_im = fft_fixed(re, im, fmt)
    exact = np.fft.fft(re + 1j * im) / n
    noise = np.sum(np.abs(got_re + 1j * got_im - exact) ** 2)
    return 10 * np.log10(np.sum(np.abs(exact) ** 2) / noise)


def synthesize(n, block="fft", dsp="ecp5"):
    config = BlockConfig(block, n, dsp=dsp if block == "fft" else "generic")
    with tempfile.TemporaryDirectory() as parent:
        out = f"{parent}/fft{n}"
        write_output_directory(render_block(config), out)
        return run_synthesis(out, [f"{config.top}.v"], config.top, "ecp5", 150.0)


def main():
    parser = argparse.ArgumentParser(description="FFT core benchmarks.")
    parser.add_argument("--synth", action="store_true", help="also run ECP5 synthesis")
    parser.add_argument("--dsp", choices=("ecp5", "generic"), default="ecp5",
                        help="1-D core product registers (default ecp5, as fdagen synth)")
    args = parser.parse_args()
    print("| N | " + " | ".join(f"{w}-bit" for w in WIDTHS) + " |")
    print("|---|" + "---|" * len(WIDTHS))
    for n in SIZES:
        print(f"| {n} | " + " | ".join(f"{fft_sqnr(n, w):.1f} dB" for w in WIDTHS) + " |")
    if not args.synth:
        return
    header = "| Fmax (MHz) | LUT4 | FF | MULT18X18D | DP16KD | DPR16X4 (RAM slices) |"
    print(f"\n| N {header}\n|---|---|---|---|---|---|---|")
    for n in SIZES:
        print(synth_row(str(n), synthesize(n, dsp=args.dsp)))
    print(f"\n| 2-D block {header}\n|---|---|---|---|---|---|---|")
    for block in ("fft2d", "ifft2d"):
        for n in (8, 16):
            print(synth_row(f"{block} {n}x{n}", synthesize(n, block)))


def synth_row(label, report):
    """A Markdown table row of a synthesis report, and its critical path as a comment."""
    cells, path = report["yosys_cells"], report.get("critical_path") or {}
    row = (f"| {label} | {report['fmax_mhz']['clk']:.1f} | {cells.get('LUT4', 0)} | "
           f"{cells.get('TRELLIS_FF', 0)} | {cells.get('MULT18X18D', 0)} | "
           f"{cells.get('DP16KD', 0)} | {cells.get('TRELLIS_DPR16X4', 0)} |")
    return (f"{row}\n<!-- {label} critical path: {path.get('from')} -> {path.get('to')}, "
            f"{path.get('delay_ns')} ns -->")

if __name__ == "__main__":
    main()
