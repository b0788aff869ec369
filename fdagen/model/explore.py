"""Design-space sweep of the energy model (``fdagen explore``): points, Pareto set, outputs.

A sweep is the product of PE counts, FFT sizes, data widths and PE kinds; each point is one
:class:`~fdagen.model.energy.EnergyModel` report of the network on the build sized for it
(:func:`~fdagen.model.energy.network_config`). Points where a kernel is larger than the FFT size are
infeasible and listed as such. The Pareto set minimises energy per inference, latency and area
together; the plot shows energy against latency with area as the marker size.
"""

import csv
import functools
import io
import itertools
import json
from concurrent.futures import ProcessPoolExecutor

from fdagen import __version__
from fdagen.arch.pe_kinds import PE_KINDS
from fdagen.model.components import load_library
from fdagen.model.energy import EnergyModel, ModelError, network_config

__all__ = ["sweep_points", "evaluate", "pareto", "render_outputs", "CSV_COLUMNS"]

CSV_COLUMNS = ("pes", "fft_size", "data_width", "pe_kind", "energy_per_inference_uj",
               "latency_s", "inferences_per_s", "area_mm2", "tops_per_w", "pe_efficiency",
               "baseline_energy_ratio", "baseline_latency_ratio", "pareto")


#: One parse of a library file per process, not one per point.
_library = functools.lru_cache(maxsize=None)(load_library)


def sweep_points(pes, fft_sizes, data_widths, pe_kinds):
    """The product, as ``(pes, fft_size, data_width, pe_kind)`` tuples in a fixed order."""
    return list(itertools.product(pes, fft_sizes, data_widths, pe_kinds))


def evaluate(network, point, library_file=None, node_nm=32):
    """One point's row (dict), or ``{"infeasible": reason}`` merged with the point."""
    pes, fft_size, data_width, pe_kind = point
    row = {"pes": pes, "fft_size": fft_size, "data_width": data_width, "pe_kind": pe_kind}
    try:
        config = network_config(network, pes, fft_size, library=_library(library_file),
                                node_nm=node_nm, data_width=data_width,
                                spectrum_width=data_width, pe_kind=pe_kind)
    except ModelError as error:
        return {**row, "infeasible": str(error)}
    report = EnergyModel(config, _library(library_file), node_nm).report(network)
    t, b = report["totals"], report["baseline"]
    return {**row, "energy_per_inference_uj": t["energy_per_inference_uj"],
            "latency_s": t["latency_s"], "inferences_per_s": t["inferences_per_s"],
            "area_mm2": report["area"]["total_mm2"], "tops_per_w": t["tops_per_w"],
            "pe_efficiency": t["pe_efficiency"], "baseline_energy_ratio": b["energy_ratio"],
            "baseline_latency_ratio": b["latency_ratio"]}


def _evaluate_star(args):
    return evaluate(*args)


def run_sweep(network, points, library_file=None, node_nm=32, jobs=1, progress=None):
    """Rows in ``points`` order; ``progress(n)`` is called as points finish."""
    tasks = [(network, point, library_file, node_nm) for point in points]
    if jobs == 1:
        rows = []
        for task in tasks:
            rows.append(_evaluate_star(task))
            if progress:
                progress(1)
        return rows
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        rows = []
        for row in pool.map(_evaluate_star, tasks, chunksize=max(1, len(tasks) // (8 * jobs))):
            rows.append(row)
            if progress:
                progress(1)
        return rows


_OBJECTIVES = ("energy_per_inference_uj", "latency_s", "area_mm2")


def pareto(rows):
    """Mark each feasible row ``pareto`` True when no other row is at least as good in energy,
    latency and area and better in one."""
    feasible = [r for r in rows if "infeasible" not in r]
    for row in feasible:
        key = [row[o] for o in _OBJECTIVES]
        row["pareto"] = not any(
            all(other[o] <= k for o, k in zip(_OBJECTIVES, key))
            and any(other[o] < k for o, k in zip(_OBJECTIVES, key))
            for other in feasible if other is not row)
    return rows


def _plot(rows, title):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    feasible = [r for r in rows if "infeasible" not in r]
    figure = Figure(figsize=(8, 5.5), dpi=100)
    axes = figure.subplots()
    largest = max(r["area_mm2"] for r in feasible)
    for kind, marker in zip(PE_KINDS, "os^vD"):
        for on_front in (False, True):
            chosen = [r for r in feasible if r["pe_kind"] == kind and r["pareto"] == on_front]
            if not chosen:
                continue
            axes.scatter([r["latency_s"] * 1e3 for r in chosen],
                         [r["energy_per_inference_uj"] for r in chosen],
                         s=[20 + 200 * r["area_mm2"] / largest for r in chosen], marker=marker,
                         facecolors="tab:red" if on_front else "none",
                         edgecolors="tab:red" if on_front else "tab:gray",
                         label=f"{kind}{', Pareto set' if on_front else ''}")
    for row in feasible:
        if row["pareto"]:
            axes.annotate(f"P{row['pes']} N{row['fft_size']} {row['data_width']}b",
                          (row["latency_s"] * 1e3, row["energy_per_inference_uj"]),
                          fontsize=6, xytext=(3, 3), textcoords="offset points")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("latency per inference (ms, ideal host)")
    axes.set_ylabel("energy per inference (uJ)")
    axes.set_title(title + "\nmarker area ~ chip area; Pareto set over energy, latency, area",
                   fontsize=9)
    axes.legend(fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def render_outputs(network, rows, sweep, library_file, node_nm):
    """``{filename: bytes}``: ``explore.csv``, ``explore.json`` and ``pareto.png``."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + ("infeasible",))
    for row in rows:
        writer.writerow([_csv(row.get(col, "")) for col in CSV_COLUMNS]
                        + [row.get("infeasible", "")])
    document = {"fdagen_version": __version__, "network": network.name, "node_nm": node_nm,
                "library": str(library_file) if library_file else "fdagen/model/components.toml",
                "sweep": sweep, "objectives": list(_OBJECTIVES), "points": rows}
    files = {"explore.csv": text.getvalue().encode(),
             "explore.json": (json.dumps(document, indent=2) + "\n").encode()}
    if any("infeasible" not in r for r in rows):
        files["pareto.png"] = _plot(rows, f"fdagen explore: {network.name}, {len(rows)} "
                                          f"configurations, {node_nm:g} nm")
    return files


def _csv(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    return value
