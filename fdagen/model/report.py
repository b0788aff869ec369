"""The readable form of an :mod:`fdagen.model.energy` report (what ``fdagen energy`` prints)."""

import json

__all__ = ["format_report", "build_report_files"]

#: The network ``fdagen build`` rates its configuration on, by the build's dimensions.
BUILD_NETWORK = {2: "lenet5", 3: "conv3d-small"}


def _uj(pj):
    return f"{pj / 1e6:.4g} uJ"


def _seconds(s):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.4g} {unit}"
    return f"{s / 1e-9:.4g} ns"


def _table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = []
    for row in [header] + rows:
        cells = [str(v).ljust(w) if i == 0 else str(v).rjust(w)
                 for i, (v, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _sources(entry):
    return ", ".join(s.split(":")[0] for s in entry["source"])


def _ratio(baseline, fda):
    """``baseline / fda`` as words: above 1 the FDA build is the better one."""
    ratio = baseline / fda
    return f"{ratio:.3g}x" if ratio >= 1 else f"1/{1 / ratio:.3g}"


def format_report(report):
    """Text tables of a report: per layer, per component, area, baseline, sources."""
    c, t, b = report["config"], report["totals"], report["baseline"]
    lines = [f"{report['network']} on {c['pes']} {report['pe_kind']} PEs, N = {c['fft_size']}, "
             f"{report['node_nm']:g} nm, {c['clock_mhz']:g} MHz   ({report['command']})", ""]
    if t is None:
        lines += [f"no layer of {report['network']} fits this build: energy and latency not "
                  f"modelled; area {report['area']['total_mm2']:.4g} mm2", ""]
        lines += _area_lines(report["area"]) + _tail_lines(report)
        return "\n".join(lines)
    rows = []
    for layer in report["layers"]:
        base = layer["baselines"]["spatial_digital"]
        rows.append([layer["name"], layer["fft_size"], layer["tiles"],
                     layer["counts"]["mac_operations"],
                     layer["cycles"]["cycles"], _seconds(layer["latency_s"]),
                     _uj(layer["energy_pj"]), f"{layer['pe_efficiency']:.3f}",
                     f"{layer['pe_efficiency_run']:.3f}", _uj(base["energy_pj"]),
                     _ratio(base["energy_pj"], layer["energy_pj"]),
                     _ratio(base["cycles"], layer["cycles"]["cycles"])])
    rows.append(["total", "", "", "", t["cycles"], _seconds(t["latency_s"]), _uj(t["energy_pj"]),
                 f"{t['pe_efficiency']:.3f}", "", _uj(b["energy_pj"]),
                 _ratio(b["energy_pj"], t["energy_pj"]), _ratio(b["cycles"], t["cycles"])])
    lines += _table(["layer", "N", "tiles", "array ops", "cycles", "latency", "energy", "PE eff",
                     "run eff", "baseline E", "E gain", "speed-up"], rows)
    lines += ["", f"modelled layers: energy per inference {_uj(t['energy_pj'])}, latency "
              f"{_seconds(t['latency_s'])}, {t['inferences_per_s']:.4g} inferences/s, "
              f"{t['tops_per_w']:.4g} TOPS/W (2 x {t['spatial_macs']:,} spatial MACs), "
              f"area {report['area']['total_mm2']:.4g} mm2",
              f"baseline: {b['description']} ({b['multipliers']} multipliers): "
              f"{_uj(b['energy_pj'])}, {_seconds(b['latency_s'])}, {b['tops_per_w']:.4g} TOPS/W; "
              f"E gain and speed-up are baseline / FDA (below 1: the baseline wins)", ""]
    lines += (_losing_lines(report) + _fft_size_lines(report) + _strided_lines(report)
              + _whole_map_lines(report)
              + _baseline_lines(report) + _endurance_lines(report))
    rows = [[name, _uj(e["pj"]), f"{100 * e['share']:.1f} %", _sources(e)]
            for name, e in sorted(report["energy_by_component"].items(),
                                  key=lambda kv: -kv[1]["pj"])]
    lines += _table(["energy by component", "energy", "share", "library entries"], rows)
    lines += [""] + _area_lines(report["area"]) + _tail_lines(report)
    return "\n".join(lines)


def _losing_lines(report):
    """The layers where the spatial baseline needs less energy than this build."""
    losing = [layer["name"] for layer in report["layers"]
              if layer["baselines"]["spatial_digital"]["energy_pj"] < layer["energy_pj"]]
    if not losing:
        return ["the frequency domain wins on every layer (energy)", ""]
    return [f"the spatial baseline needs less energy on {len(losing)} of "
            f"{len(report['layers'])} layers: {', '.join(losing)}", ""]


def _fft_size_lines(report):
    """Each layer's energy at every FFT size it can run at (the build's ``N`` and the smaller
    ones a descriptor selects), when the model chose among them."""
    rows = [[layer["name"]] + [f"N = {size['fft_size']}: {_uj(size['energy_pj'])}"
                               + (" *" if size["fft_size"] == layer["fft_size"] else "")
                               for size in layer["fft_sizes"]]
            for layer in report["layers"] if layer.get("fft_sizes")]
    if not rows:
        return []
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    return _table(["layer FFT size"] + [""] * (width - 1), rows) + [
        "each layer's descriptor selects its FFT size up to the build's N; * the least energy, "
        "which the model and the host take", ""]


def _whole_map_lines(report):
    """Each layer that runs as one whole-map tile, against overlap-added tiles (both
    treatments run on the build; the model takes the cheaper)."""
    rows = []
    for layer in report["layers"]:
        tiled = layer.get("tiled")
        if tiled:
            rows.append([layer["name"], f"T = {layer['tile']}, {layer['tiles']} tile",
                         layer["cycles"]["cycles"], _uj(layer["energy_pj"]),
                         f"T = {tiled['tile']}, {tiled['tiles']} tiles", tiled["cycles"],
                         _uj(tiled["energy_pj"]), _ratio(tiled["energy_pj"],
                                                         layer["energy_pj"])])
    if not rows:
        return []
    return _table(["small layer", "whole-map tile", "cycles", "energy", "overlap-added tiles",
                   "cycles", "energy", "E gain"], rows) + [
        "a layer whose padded map fits N runs as one circular transform (exact on the outputs "
        "kept: fdagen.golden.tiling); the model takes it, the tiled figures are for comparison",
        ""]


def _strided_lines(report):
    """How each strided layer runs on the accelerator (the baselines run it as defined)."""
    lines = []
    for layer in report["layers"]:
        run = layer.get("runs_as", {})
        if run.get("treatment") == "polyphase":
            shape = "x".join(str(e) for e in run["in_shape"])
            lines.append(f"{layer['name']} (stride {layer['stride']}) runs as its stride-1 "
                         f"polyphase form: {run['in_channels']} channels, K = {run['kernel']} "
                         f"on {shape} (--strided decimate: at stride 1, every "
                         f"{layer['stride']}th output kept)")
        elif run.get("treatment") == "decimate":
            lines.append(f"{layer['name']} (stride {layer['stride']}) runs decimated: at stride "
                         f"1 over the whole input, every {layer['stride']}th output kept")
    return lines + [""] if lines else []


def _baseline_lines(report):
    """Per layer, the energy of every baseline of the report and its ratio to this build's."""
    names = list(report["baselines"])
    if len(names) < 2:
        return []
    rows = []
    for layer in report["layers"] + [None]:
        energy = report["totals"]["energy_pj"] if layer is None else layer["energy_pj"]
        row = ["total" if layer is None else layer["name"], _uj(energy)]
        for name in names:
            other = (report["baselines"] if layer is None else layer["baselines"])[name]
            row += [_uj(other["energy_pj"]), _ratio(other["energy_pj"], energy)]
        rows.append(row)
    header = ["layer", report["pe_kind"]]
    for name in names:
        header += [name.replace("_", " "), "E gain"]
    lines = _table(header, rows)
    lines += [f"{name.replace('_', ' ')}: {report['baselines'][name]['description']}"
              for name in names]
    return lines + [""]


def _endurance_lines(report):
    e, weights = report["endurance"], report["weights"]
    lines = []
    if weights["resident"]:
        once = weights["loaded_once"]
        lines += [f"weights resident: every layer's weights stay in the build's "
                  f"{weights['weight_sets']} weight sets per bin lane; loading them once "
                  f"costs {_uj(once['energy_pj'])} and {once['cycles']:,} cycles, not counted "
                  f"per inference above.", ""]
    if e is None:
        return lines
    return lines + [f"programming per inference: {e['cell_writes_per_inference']:,} cell writes (ideal "
            f"cells: a pulse and a verify read each) into {e['cells']:,} cells, "
            f"{e['writes_per_cell_per_inference']['mean']:.3g} writes per cell on average and "
            f"up to {e['writes_per_cell_per_inference']['max']}; {e['programming_cycles']:,} "
            f"cycles, {100 * e['programming_share_of_latency']:.1f} % of the latency. Every "
            f"weight resident at once takes {e['resident_sets_per_lane']} weight sets per bin "
            f"lane ({e['resident_macros']} macros; fdagen energy --resident), this build has "
            f"{e['weight_sets_per_lane']}.", ""]


def _area_lines(area):
    rows = [[name, p["count"], f"{p['um2'] / 1e6:.4g}",
             f"{100 * p['um2'] / area['total_um2']:.1f} %", _sources(p)]
            for name, p in sorted(area["components"].items(), key=lambda kv: -kv[1]["um2"])]
    return _table(["area by component", "count", "mm2", "share", "library entries"], rows)


def _tail_lines(report):
    lines = []
    if report["not_modelled"]:
        lines += ["", "not modelled: " + "; ".join(
            f"{n['name']} ({n['reason']}" + (f", {n['spatial_macs']:,} MACs" if n["spatial_macs"]
                                              else "") + ")"
            for n in report["not_modelled"])]
    lines += ["", "library entries (value at their node; scaled to the target node):"]
    for name, p in report["library"].items():
        lines.append(f"  {name}: {p['value']:g} {p['unit']} at {p['node_nm']:g} nm, "
                     f"{p['source']}" + (f" [{p['note']}]" if p["note"] else ""))
    lines += ["", "assumptions: " + "; ".join(report["assumptions"])]
    return lines


def build_report_files(config):
    """``energy.json`` and ``energy.txt`` for a build: the conv layers of its dimensions'
    network (:data:`BUILD_NETWORK`: LeNet-5, conv3d-small for a 3-D build) that fit the build's
    limits, digital PEs (the generated RTL), 32 nm, the build's own memories."""
    from fdagen.golden.networks import get_network
    from fdagen.model.components import load_library
    from fdagen.model.energy import EnergyModel

    report = EnergyModel(config, load_library()).report(
        get_network(BUILD_NETWORK[config.dims]), require_layers=False)
    return {"energy.json": (json.dumps(report, indent=2) + "\n").encode(),
            "energy.txt": (format_report(report) + "\n").encode()}
