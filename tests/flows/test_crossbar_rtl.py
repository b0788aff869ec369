"""The crossbar array's generated Verilog (periphery plus behavioural macros with a device
map) on Icarus under cocotb, bit-exact with the golden crossbar MAC, counters included."""

import json
import sys
from pathlib import Path

from cocotb_tools.check_results import get_results
from cocotb_tools.runner import get_runner

from fdagen.arch.crossbar_layout import CrossbarLayout
from fdagen.emit.verilog import convert
from fdagen.flows.lint import lint
from fdagen.golden.crossbar import CellMap, CrossbarFormat, DeviceModel, crossbar_mac
from fdagen.gateware.pe.crossbar_array import CrossbarArray
from support.crossbarsim import golden_programming, physical_maps

ROOT = Path(__file__).resolve().parent.parent.parent


def test_icarus_crossbar_array_bit_exact(tmp_path, rng):
    """Two row slices, three weight sets (three blocks of macros), a reduced ADC and a faulty
    device map; operations on chosen sets with fewer channels in use."""
    fmt = CrossbarFormat(rows=4, cell_bits=2, dac_bits=2, adc_bits=5, frac_bits=4)
    share, dw, ww, channels, outputs, sets = 2, 8, 6, 5, 2, 3
    device = DeviceModel(sigma=0.1, stuck_low=0.03, stuck_high=0.03, program_fail=0.4,
                         max_attempts=3, seed=11)
    layout = CrossbarLayout(fmt.rows, channels, sets)
    maps = physical_maps(fmt, layout, outputs * 2 * fmt.cells(ww), device)
    dut = CrossbarArray(fmt, share, dw, ww, channels, outputs, sets=sets, max_shift=3,
                        max_attempts=device.max_attempts, device_maps=maps, pulse_cycles=2)
    source = tmp_path / "crossbar_array.v"
    source.write_text(convert(dut, "crossbar_array"))
    lint([source], top="crossbar_array")

    lo, hi = -(1 << (ww - 1)), 1 << (ww - 1)
    weights = [(rng.integers(lo, hi, (outputs, channels)),
                rng.integers(lo, hi, (outputs, channels))) for _ in range(sets)]
    lo, hi = -(1 << (dw - 1)), 1 << (dw - 1)
    inputs = [(rng.integers(lo, hi, channels), rng.integers(lo, hi, channels)) for _ in range(3)]
    shifts, chosen, active = [0, 2, 1], [2, 0, 1], [5, 3, 5]
    cell_maps, pulses, failures = golden_programming(fmt, layout, weights, maps, ww)
    assert failures > 0
    expected = []
    for (x_re, x_im), shift, s, used in zip(inputs, shifts, chosen, active):
        x = (x_re[:used, None, None, None], x_im[:used, None, None, None])
        w = tuple(part[:, :used, None, None] for part in weights[s])
        cells = CellMap(cell_maps[s].levels[:, :, :used], fmt.frac_bits)
        re, im = crossbar_mac(x, w, fmt, dw, ww, cells, shift)
        expected.append((re[:, 0, 0, 0].tolist(), im[:, 0, 0, 0].tolist()))
    slices = fmt.slices(dw)
    live = sum(fmt.row_slices(used) for used in active)
    columns = outputs * 2 * fmt.cells(ww)
    settings = {
        "data_width": dw, "weight_width": ww, "acc_width": dut.acc_width,
        "channels": channels, "outputs": outputs, "cycle_limit": 4000,
        "weights": [(re.tolist(), im.tolist()) for re, im in weights],
        "inputs": [(x_re.tolist(), x_im.tolist()) for x_re, x_im in inputs],
        "shifts": shifts, "sets": chosen, "active": active, "expected": expected,
        "counters": {"pulses": pulses, "verifies": pulses, "failures": failures,
                     "reads": 2 * slices * live, "dac_conversions": 2 * slices * sum(active),
                     "conversions": 2 * slices * columns * live,
                     "shift_adds": 2 * slices * columns * live},
    }
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    runner = get_runner("icarus")
    runner.build(sources=[source], hdl_toplevel="crossbar_array", build_dir=tmp_path / "icarus",
                 timescale=("1ns", "1ps"), build_args=["-g2012"])
    results = runner.test(hdl_toplevel="crossbar_array", test_module="fdagen.tb.crossbar_tb",
                          build_dir=tmp_path / "icarus",
                          extra_env={"FDAGEN_TB_CONFIG": json.dumps(settings)})
    tests, failed = get_results(Path(results))
    assert tests >= 1 and failed == 0
