"""What ``fdagen optimize`` writes: ``optimize.csv``, ``optimize.json``, ``optimize.png``,
``table.md`` and, per strategy, its chosen network as a network file with its weights.

Everything is rendered in memory (``{filename: bytes}``) for
:func:`fdagen.emit.outdir.write_output_directory` to write atomically. ``chosen-<strategy>.toml``
is a network file (:func:`fdagen.golden.networks.load_network`) that ``fdagen energy``,
``fdagen cmc``, ``fdagen golden net --weights`` and ``fdagen sim net --weights`` (the RTL) read
like any other; ``chosen-<strategy>.npz`` holds its trained weights (``"<layer>.w"``,
``"<layer>.b"``, the layout of :func:`fdagen.golden.model.load_weights`).
"""

import csv
import io
import json
import textwrap

import numpy as np

from fdagen import __version__
from fdagen.golden.networks import dump_network

__all__ = ["CSV_COLUMNS", "render_outputs", "format_table"]

CSV_COLUMNS = ("strategy", "step", "size_fraction", "depth_fraction", "network", "in_size",
               "conv_channels", "spatial_workload", "spatial_memory_words",
               "spectral_workload", "spectral_memory_words", "float_accuracy",
               "fixed_accuracy", "drop_pp", "float_drop_pp", "energy_per_inference_uj",
               "latency_s", "inferences_per_s", "throughput_gain", "energy_efficiency_gain",
               "status", "chosen_for", "train_s")

_STYLE = {"baseline": ("k", "*"), "size": ("tab:blue", "o"), "depth": ("tab:orange", "s"),
          "both": ("tab:green", "^")}
#: Where each strategy's chosen-network label sits (points from the point), apart.
_LABEL_AT = {"size": (-40, -45), "depth": (30, 40), "both": (45, -65)}


def _cell(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ";".join(value)
    return value


def format_table(result):
    """The gain table (Markdown): per strategy, its chosen network, throughput and
    energy-efficiency gain over the unreduced network on the same build, accuracy loss."""
    base = result["rows"][0]
    lines = ["| strategy | chosen network | input | conv channels | throughput gain | "
             "energy-efficiency gain | accuracy loss, fixed point (float) |",
             "|---|---|---|---|---|---|---|"]
    for strategy, row in result["chosen"].items():
        lines.append(f"| {strategy} | {row['network']} | {row['in_size']} | "
                     f"{row['conv_channels']} | {row['throughput_gain']:.2f}x | "
                     f"{row['energy_efficiency_gain']:.2f}x | {row['drop_pp']:.2f} pp "
                     f"({row['float_drop_pp']:.2f} pp) |")
    lines.append("\n" + textwrap.fill(
        f"Baseline {base['network']}: fixed-point accuracy {100 * base['fixed_accuracy']:.2f} % "
        f"(float {100 * base['float_accuracy']:.2f} %), {base['energy_per_inference_uj']:.4g} "
        f"uJ and {base['inferences_per_s']:.4g} inferences/s (conv layers) on the build; "
        f"limit {result['max_drop']:g} pp.", 96))
    return "\n".join(lines) + "\n"


def _plot(result, title):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rows = result["rows"]
    base = rows[0]
    figure = Figure(figsize=(11, 4.8), dpi=100)
    axes = figure.subplots(1, 2, sharey=True)
    for ax, key, label in ((axes[0], "energy_per_inference_uj", "energy per inference (uJ)"),
                           (axes[1], "inferences_per_s", "throughput (inferences/s)")):
        for strategy in ("baseline", *result["strategies"]):
            colour, marker = _STYLE[strategy]
            if strategy == "baseline":
                chosen = [base]
            else:
                chosen = [base] + [r for r in rows if r["strategy"] == strategy]
            ax.plot([r[key] for r in chosen], [100 * r["fixed_accuracy"] for r in chosen],
                    color=colour, marker=marker, linestyle="-" if strategy != "baseline"
                    else "none", markersize=9 if strategy == "baseline" else 6,
                    label=strategy if strategy != "baseline" else "unreduced")
            for r in chosen:
                if r["status"] == "over limit":
                    ax.plot(r[key], 100 * r["fixed_accuracy"], marker="x", color="tab:red",
                            markersize=10, linestyle="none")
        for strategy, r in result["chosen"].items():
            point = (r[key], 100 * r["fixed_accuracy"])
            ax.plot(*point, marker="o", markersize=14, markerfacecolor="none",
                    markeredgecolor=_STYLE[strategy][0], linestyle="none")
            ax.annotate(f"{strategy}: {r['in_size']}, {r['conv_channels']}", point, fontsize=7,
                        xytext=_LABEL_AT[strategy], textcoords="offset points",
                        color=_STYLE[strategy][0], ha="center",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                              "alpha": 0.85},
                        arrowprops={"arrowstyle": "-", "color": _STYLE[strategy][0],
                                    "linewidth": 0.6})
        ax.axhline(100 * base["fixed_accuracy"] - result["max_drop"], color="tab:red",
                   linestyle=":", linewidth=1, label=f"limit ({result['max_drop']:g} pp)")
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(True, which="both", linewidth=0.3)
    axes[0].set_ylabel("test accuracy, bit-true fixed point (%)")
    axes[0].legend(fontsize=8)
    figure.suptitle(title + "\nx: the candidate that stopped its strategy; circled and "
                    "labelled (input, conv channels): the chosen network per strategy",
                    fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def render_outputs(result, command, settings):
    """``{filename: bytes}`` of the search ``result`` (:func:`fdagen.optimize.search.search`);
    ``command`` is the command line and ``settings`` a JSON-ready dict of the run's settings,
    both recorded in ``optimize.json`` and the network files' headers."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in result["rows"]:
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    config = result["config"]
    base = result["rows"][0]
    document = {"fdagen_version": __version__, "command": command, "settings": settings,
                "max_drop_pp": result["max_drop"], "strategies": result["strategies"],
                "build": {"parameters": config.parameters(), "command": config.command()},
                "baseline": base["network"],
                "chosen": {s: r["key"] for s, r in result["chosen"].items()},
                "table": format_table(result), "candidates": result["rows"]}
    files = {"optimize.csv": text.getvalue().encode(),
             "optimize.json": (json.dumps(document, indent=2) + "\n").encode(),
             "table.md": format_table(result).encode(),
             "optimize.png": _plot(result, f"fdagen optimize: {base['network']} on "
                                           f"{config.pes} {config.pe_kind} PEs, N = "
                                           f"{config.fft_size}")}
    for strategy, row in result["chosen"].items():
        network = result["networks"][row["key"]]
        header = (f"{strategy} strategy's chosen network (fdagen optimize, fdagen "
                  f"{__version__}):\n{command}\nfixed-point test accuracy "
                  f"{100 * row['fixed_accuracy']:.2f} %, {row['drop_pp']:.2f} pp below the "
                  f"unreduced {base['network']}; weights in chosen-{strategy}.npz\n"
                  f"    fdagen energy --net chosen-{strategy}.toml\n"
                  f"    fdagen golden net --net chosen-{strategy}.toml --weights "
                  f"chosen-{strategy}.npz\n"
                  f"    fdagen sim net --net chosen-{strategy}.toml --weights "
                  f"chosen-{strategy}.npz")
        files[f"chosen-{strategy}.toml"] = dump_network(network, header).encode()
        buffer = io.BytesIO()
        np.savez(buffer, **result["weights"][row["key"]])
        files[f"chosen-{strategy}.npz"] = buffer.getvalue()
    return files
