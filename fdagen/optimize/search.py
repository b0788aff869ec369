"""The search: each strategy's candidates walked in CMC order until accuracy drops too far.

Every candidate (and the unreduced baseline) is rated on one accelerator build, the build
``fdagen energy`` sizes for the *unreduced* network (:class:`Build`), so the gains are those of
the same hardware running a smaller network. It is trained and measured
(:func:`fdagen.optimize.evaluate.evaluate`) in worker processes.

Stopping rule: a candidate's accuracy drop is the baseline's bit-true fixed-point test accuracy
minus its own, in percentage points. A strategy walks its candidates in CMC order (largest
first) and stops at the first whose drop exceeds ``max_drop``; that one is kept in the results
(status ``over limit``) and none after it. The strategy's chosen network is the last candidate
before the stop (the baseline when the first candidate already exceeds the limit).

With ``jobs`` > 1 up to ``jobs`` candidates train at once, in the order baseline, then step 1
of every strategy, step 2, and so on; a result past a stop found meanwhile is discarded. Every
candidate's training is seeded and the workers run XLA single-threaded, so the results do not
depend on ``jobs``.
"""

import math
import multiprocessing
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from fdagen.golden.checks import ParameterError
from fdagen.host.descriptor import layer_format
from fdagen.model.components import load_library
from fdagen.model.energy import EnergyModel, choose_fft_size, network_config
from fdagen.optimize.evaluate import Settings, evaluate
from fdagen.optimize.reduce import (STRATEGIES, Candidate, candidates, cmc, conv_channels,
                                    reduce_network)
from fdagen.optimize.train import single_thread_environment

__all__ = ["Build", "search", "InlineExecutor", "check_drop", "check_network", "DATA_SETS"]

#: Data sets a search trains on: name -> (input channels, classes).
DATA_SETS = {"digits": (1, 10)}


@dataclass(frozen=True)
class Build:
    """The accelerator every candidate is rated on, as ``fdagen energy`` builds it:
    ``pes``, ``fft_size`` (None: the size with the least energy for the unreduced network),
    ``pe_kind``, ``node_nm``, ``clock_mhz`` and ``library_file`` (None: the shipped
    library); memories sized to the unreduced network, each layer at its cheapest FFT size.
    ``resident``: the build holds every conv layer's weights at once and an inference loads
    none (``fdagen energy --resident``); otherwise each inference streams them in."""

    pes: int = 64
    fft_size: int | None = None
    pe_kind: str = "digital"
    node_nm: float = 32.0
    clock_mhz: float = 100.0
    library_file: str | None = None
    resident: bool = False

    def configure(self, network):
        """``(config, library)`` of the build for ``network``."""
        library = load_library(self.library_file)
        options = {"clock_mhz": self.clock_mhz, "pe_kind": self.pe_kind}
        fft_size = self.fft_size or choose_fft_size(network, self.pes, library, self.node_nm,
                                                    self.resident, **options)
        config = network_config(network, self.pes, fft_size, self.resident, library=library,
                                node_nm=self.node_nm, **options)
        return config, library


def rate(network, config, library, node_nm, resident=False):
    """Energy per inference, latency and throughput of ``network``'s conv layers on
    ``config`` (:class:`fdagen.model.energy.EnergyModel`; ``resident`` as its report's), and
    the FFT size each conv layer runs at."""
    report = EnergyModel(config, library, node_nm).report(network, resident=resident)
    totals = report["totals"]
    return {"energy_per_inference_uj": totals["energy_per_inference_uj"],
            "latency_s": totals["latency_s"], "inferences_per_s": totals["inferences_per_s"],
            "fft_sizes": {layer["name"]: layer["fft_size"] for layer in report["layers"]}}


class InlineExecutor:
    """An executor that runs each call at once in this process (for tests and debugging)."""

    def submit(self, function, *args):
        future = Future()
        try:
            future.set_result(function(*args))
        except BaseException as error:     # noqa: BLE001 - handed to the caller by result()
            future.set_exception(error)
        return future

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def check_drop(max_drop):
    """``max_drop`` as a float, or :class:`ParameterError` when it is not a percentage."""
    if isinstance(max_drop, bool) or not isinstance(max_drop, (int, float)) \
            or not 0 <= max_drop <= 100 or math.isnan(max_drop):
        raise ParameterError(f"maximum accuracy drop must be a percentage between 0 and 100, "
                             f"not {max_drop!r}")
    return float(max_drop)


def check_network(network, data="digits"):
    """Refuse (:class:`ParameterError`) a network the search cannot train on ``data``: it must
    have a conv layer, 2-D layers of one group, the data's input channels, and end in a fully
    connected layer with one output per class."""
    if data not in DATA_SETS:
        raise ParameterError(f"data set must be one of {', '.join(DATA_SETS)}, not {data!r}")
    channels, classes = DATA_SETS[data]
    if not network.conv_layers:
        raise ParameterError(f"network {network.name!r} must have at least one conv layer, "
                             f"not none")
    if len(network.in_shape) != 2 or len(set(network.in_shape)) != 1:
        raise ParameterError(f"network {network.name!r} must take square 2-D images for "
                             f"{data}, not input shape {list(network.in_shape)}")
    if network.in_channels != channels:
        raise ParameterError(f"network {network.name!r} must take {channels} input channel(s) "
                             f"for {data}, not {network.in_channels}")
    for layer in network.conv_layers:
        if layer.groups != 1:
            raise ParameterError(f"conv layer {layer.name!r} must have one group to be "
                                 f"trained, not {layer.groups}")
    last = network.layers[-1]
    if last.kind != "fc" or last.out_channels != classes:
        raise ParameterError(f"the last layer of {network.name!r} must be fc with {classes} "
                             f"outputs ({data}' classes), not {last.kind} with "
                             f"{last.out_channels}")
    return network


def _order(baseline, plans):
    order = [baseline]
    for step in range(max((len(p) for p in plans.values()), default=0)):
        order += [plan[step] for plan in plans.values() if step < len(plan)]
    return order


def search(network, strategies=STRATEGIES, levels=8, max_drop=3.0, settings=None,
           build=Build(), jobs=1, progress=None, executor=None, evaluate_fn=evaluate):
    """Run the search (module docstring) on ``network`` for ``strategies`` and return a dict:

    ``rows``: one dict per candidate kept (baseline first, then each strategy in CMC order),
    with its fractions, CMC in both domains (:func:`fdagen.optimize.reduce.cmc`), rating,
    accuracies, ``drop_pp`` (fixed point) and ``float_drop_pp``, ``throughput_gain`` and
    ``energy_efficiency_gain`` over the baseline, ``status`` (``baseline``, ``accepted`` or
    ``over limit``) and ``chosen_for`` (the strategies that chose it); ``chosen``: strategy ->
    its chosen row; ``networks`` and ``weights``: row key -> the network and its trained
    weights; ``config``: the build.

    ``settings``: :class:`fdagen.optimize.evaluate.Settings` (default: the committed weights'
    recipe, the build's word widths and PE kind's MAC). ``progress(kept, total)`` is called as
    candidates finish, ``total`` shrinking when a strategy stops. ``executor``: where
    ``evaluate_fn(network, settings, fft_sizes)`` runs (default: ``jobs`` spawned worker
    processes, XLA single-threaded).
    """
    max_drop = check_drop(max_drop)
    for strategy in strategies:
        if strategy not in STRATEGIES:
            raise ParameterError(f"strategy must be one of {', '.join(STRATEGIES)}, not "
                                 f"{strategy!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= 64:
        raise ParameterError(f"jobs must be an integer between 1 and 64, not {jobs!r}")
    plans = {s: candidates(network, s, levels) for s in dict.fromkeys(strategies)}
    baseline = Candidate("baseline", 0, 1.0, 1.0, reduce_network(network))
    config, library = build.configure(baseline.network)
    if settings is None:
        settings = Settings(fmt=layer_format(config), mac=config.pe.build_mac(config))
    ratings = {}
    own = executor is None
    if own:
        executor = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=single_thread_environment)
    pending, running, results = deque(_order(baseline, plans)), {}, {}
    stops = dict.fromkeys(plans)
    total = len(pending)

    def needed(candidate):
        stop = stops.get(candidate.strategy)
        return stop is None or candidate.step <= stop

    try:
        while pending or running:
            while pending and len(running) < jobs:
                candidate = pending.popleft()
                if not needed(candidate):
                    continue
                ratings[candidate.key] = rate(candidate.network, config, library,
                                              build.node_nm, build.resident)
                future = executor.submit(evaluate_fn, candidate.network, settings,
                                         ratings[candidate.key]["fft_sizes"])
                running[future] = candidate
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                candidate = running.pop(future)
                if needed(candidate):
                    results[candidate.key] = future.result()
            if baseline.key in results:
                base = results[baseline.key]["fixed_accuracy"]
                for key, result in results.items():
                    strategy, step = key.split("/")
                    if strategy != "baseline" and 100 * (base - result["fixed_accuracy"]) \
                            > max_drop + 1e-9:
                        stops[strategy] = min(int(step), stops[strategy] or int(step))
                for future, candidate in list(running.items()):
                    if not needed(candidate) and future.cancel():
                        del running[future]
            total = 1 + sum(len(plan) if stops[s] is None else stops[s]
                            for s, plan in plans.items())
            if progress is not None:
                progress(sum(1 for c in [baseline, *sum(plans.values(), [])]
                             if c.key in results and needed(c)), total)
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
    return _collect(baseline, plans, stops, results, ratings, config, max_drop)


def _collect(baseline, plans, stops, results, ratings, config, max_drop):
    base = {**ratings[baseline.key], **results[baseline.key]}
    rows, chosen, networks, weights = [], {}, {}, {}
    for candidate in [baseline, *sum(plans.values(), [])]:
        stop = stops.get(candidate.strategy)
        if stop is not None and candidate.step > stop:
            continue
        result = {**ratings[candidate.key], **results[candidate.key]}
        network = candidate.network
        drop = 100 * (base["fixed_accuracy"] - result["fixed_accuracy"])
        status = ("baseline" if candidate.strategy == "baseline" else
                  "over limit" if candidate.step == stop else "accepted")
        row = {"key": candidate.key, "strategy": candidate.strategy, "step": candidate.step,
               "size_fraction": candidate.size, "depth_fraction": candidate.depth,
               "network": network.name, "in_size": "x".join(map(str, network.in_shape)),
               "conv_channels": conv_channels(network), **cmc(network),
               "energy_per_inference_uj": result["energy_per_inference_uj"],
               "latency_s": result["latency_s"], "inferences_per_s": result["inferences_per_s"],
               "fft_sizes": result["fft_sizes"],
               "float_accuracy": result["float_accuracy"],
               "fixed_accuracy": result["fixed_accuracy"], "drop_pp": drop,
               "float_drop_pp": 100 * (base["float_accuracy"] - result["float_accuracy"]),
               "throughput_gain": result["inferences_per_s"] / base["inferences_per_s"],
               "energy_efficiency_gain": (base["energy_per_inference_uj"]
                                          / result["energy_per_inference_uj"]),
               "status": status, "chosen_for": [], "train_s": result["train_s"],
               "measure_s": result["measure_s"], "per_seed": result.get("per_seed")}
        rows.append(row)
        networks[candidate.key], weights[candidate.key] = network, result["weights"]
    by_key = {row["key"]: row for row in rows}
    for strategy in plans:
        accepted = [row for row in rows
                    if row["strategy"] == strategy and row["status"] == "accepted"]
        row = accepted[-1] if accepted else by_key[baseline.key]
        chosen[strategy] = row
        row["chosen_for"].append(strategy)
    return {"rows": rows, "chosen": chosen, "networks": networks, "weights": weights,
            "config": config, "max_drop": max_drop, "strategies": list(plans)}
