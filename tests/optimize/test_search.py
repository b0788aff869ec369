"""The search (fdagen.optimize.search): CMC order, the stopping rule, the chosen network, the
same results with any number of workers, and the trained path on a toy budget."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from support.training import blas_threads, require_jax

from fdagen.golden.checks import ParameterError
from fdagen.golden.networks import lenet5
from fdagen.optimize.evaluate import Settings
from fdagen.optimize.reduce import cmc
from fdagen.optimize.search import InlineExecutor, check_drop, search

BASELINE_WORKLOAD = cmc(lenet5())["spectral_workload"]


def accuracy_by_workload(network, settings, fft_sizes):
    """A stand-in for training: accuracy falls as the spectral workload does (deterministic)."""
    share = cmc(network)["spectral_workload"] / BASELINE_WORKLOAD
    accuracy = round(0.90 + 0.08 * share, 4)
    return {"weights": {"marker": np.array([share])}, "float_accuracy": accuracy + 0.001,
            "fixed_accuracy": accuracy, "train_s": 0.0, "measure_s": 0.0}


def run(max_drop, strategies=("size", "depth", "both"), **kwargs):
    return search(lenet5(), strategies, 8, max_drop, Settings(), executor=InlineExecutor(),
                  evaluate_fn=accuracy_by_workload, **kwargs)


def summary(result):
    return [(r["key"], r["status"], r["chosen_for"]) for r in result["rows"]]


def test_stopping_rule_keeps_the_first_candidate_over_the_limit_and_none_after():
    result = run(3.0)
    # drops in pp are 8 * (1 - workload share): depth steps 1, 2 stay within 3 pp, step 3
    # (share 0.49) is 4.1 pp; size's and both's first steps are already over
    assert summary(result) == [
        ("baseline/0", "baseline", ["size", "both"]),
        ("size/1", "over limit", []),
        ("depth/1", "accepted", []), ("depth/2", "accepted", ["depth"]),
        ("depth/3", "over limit", []),
        ("both/1", "over limit", []),
    ]
    depth = [r for r in result["rows"] if r["strategy"] == "depth"]
    assert [r["drop_pp"] <= 3 for r in depth] == [True, True, False]
    workloads = [r["spectral_workload"] for r in depth]
    assert workloads == sorted(workloads, reverse=True)      # walked in CMC order
    chosen = result["chosen"]["depth"]
    assert chosen["key"] == "depth/2" and chosen["conv_channels"] == "5-12-90"
    assert chosen["throughput_gain"] > 1 and chosen["energy_efficiency_gain"] > 1
    assert result["chosen"]["size"]["key"] == "baseline/0"
    base = result["rows"][0]
    assert base["throughput_gain"] == base["energy_efficiency_gain"] == 1.0


def test_a_loose_limit_walks_every_candidate_and_a_zero_limit_keeps_the_baseline():
    loose = run(100.0, strategies=("depth",))
    assert [r["status"] for r in loose["rows"]] == ["baseline"] + ["accepted"] * 7
    assert loose["chosen"]["depth"]["key"] == "depth/7"
    strict = run(0.0, strategies=("depth",))
    assert summary(strict) == [("baseline/0", "baseline", ["depth"]),
                               ("depth/1", "over limit", [])]


def test_same_result_twice_and_with_workers_finishing_out_of_order():
    first = run(3.0)
    assert summary(run(3.0)) == summary(first)
    lock = threading.Lock()

    def late_first(network, settings, fft_sizes):
        # the larger the network, the longer it "trains": results arrive out of order
        time.sleep(0.02 * cmc(network)["spectral_workload"] / BASELINE_WORKLOAD)
        with lock:
            return accuracy_by_workload(network, settings, fft_sizes)

    with ThreadPoolExecutor(3) as pool:
        parallel = search(lenet5(), ("size", "depth", "both"), 8, 3.0, Settings(), jobs=3,
                          executor=pool, evaluate_fn=late_first)
    assert summary(parallel) == summary(first)
    assert [r["fixed_accuracy"] for r in parallel["rows"]] == \
        [r["fixed_accuracy"] for r in first["rows"]]


def test_progress_total_shrinks_when_a_strategy_stops():
    calls = []
    run(3.0, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (1, 22) and calls[-1] == (6, 6)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


@pytest.mark.parametrize("kwargs, message", [
    ({"max_drop": -1}, "maximum accuracy drop must be a percentage between 0 and 100, not -1"),
    ({"max_drop": 101}, "maximum accuracy drop must be a percentage between 0 and 100, not 101"),
    ({"strategies": ("width",)}, "strategy must be one of size, depth, both, not 'width'"),
    ({"jobs": 0}, "jobs must be an integer between 1 and 64, not 0"),
])
def test_bad_parameters_stop_before_any_evaluation(kwargs, message):
    def forbidden(*args):
        raise AssertionError("evaluated before the parameters were checked")
    arguments = {"strategies": ("depth",), "max_drop": 3.0, **kwargs}
    with pytest.raises(ParameterError, match=f"^{message}$"):
        search(lenet5(), levels=4, settings=Settings(), executor=InlineExecutor(),
               evaluate_fn=forbidden, **arguments)
    assert check_drop(2.5) == 2.5


TOY = Settings(train={"epochs": 5, "lr": 3e-3, "seed": 1}, train_images=512, test_images=60,
               calibration=8)


def test_trained_toy_search_in_a_worker_process():
    """The real path: a spawned worker trains the baseline and one depth candidate (5 epochs
    of 512 images), measures them in float and in fixed point at the build's FFT sizes."""
    require_jax()
    result = search(lenet5(), ("depth",), 2, 100.0, TOY, jobs=1)
    base, half = result["rows"]
    assert (base["key"], half["key"]) == ("baseline/0", "depth/1")
    assert half["conv_channels"] == "3-8-60" and half["status"] == "accepted"
    for row in result["rows"]:
        assert 0.6 <= row["float_accuracy"] <= 1     # 40 mini-batches: 0.87 and 0.88 measured
        assert abs(row["fixed_accuracy"] - row["float_accuracy"]) <= 0.05
        assert set(row["fft_sizes"]) == {"C1", "C3", "C5"}
    weights = result["weights"]["depth/1"]
    assert weights["C1.w"].shape == (3, 1, 5, 5) and weights["F6.w"].shape == (84, 60)
    assert half["throughput_gain"] > 1 and half["energy_efficiency_gain"] > 1


def test_training_is_seeded():
    require_jax()
    from fdagen.golden.digits import load_digits
    from fdagen.optimize.reduce import reduce_network
    from fdagen.optimize.train import train

    network = reduce_network(lenet5(), size=0.5, depth=0.25)
    x, y = load_digits("train", 16)
    first = train(network, x[:128], y[:128], steps=3, seed=4)
    again = train(network, x[:128], y[:128], steps=3, seed=4)
    other = train(network, x[:128], y[:128], steps=3, seed=5)
    assert sorted(first) == sorted(again) == ["C1.b", "C1.w", "C3.b", "C3.w", "C5.b", "C5.w",
                                              "F6.b", "F6.w", "OUT.b", "OUT.w"]
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["C1.w"], other["C1.w"])


def test_seeds_average_the_accuracy_and_keep_the_first_seeds_weights(monkeypatch):
    """evaluate() with a stand-in for training (random weights drawn from the seed)."""
    import fdagen.optimize.train
    from fdagen.optimize.evaluate import evaluate
    from fdagen.optimize.reduce import reduce_network

    network = reduce_network(lenet5(), size=0.5, depth=0.25)
    shapes = {}
    for layer in network.layers:
        if layer.kind == "conv":
            shapes[layer.name] = (layer.out_channels, layer.in_channels, layer.kernel,
                                  layer.kernel)
        elif layer.kind == "fc":
            shapes[layer.name] = (layer.out_channels, layer.in_channels)
    seen = []

    def fake_train(net, images, labels, seed=0, **kwargs):
        seen.append((seed, kwargs))
        rng = np.random.default_rng(seed)
        weights = {}
        for name, shape in shapes.items():
            weights[f"{name}.w"] = rng.normal(size=shape).astype(np.float32)
            weights[f"{name}.b"] = rng.normal(size=shape[0]).astype(np.float32)
        return weights
    monkeypatch.setattr(fdagen.optimize.train, "train", fake_train)
    settings = Settings(train={"epochs": 3, "seed": 7}, test_images=40, calibration=4, seeds=3)
    result = evaluate(network, settings)
    assert seen == [(7, {"epochs": 3}), (8, {"epochs": 3}), (9, {"epochs": 3})]
    assert [r["seed"] for r in result["per_seed"]] == [7, 8, 9]
    for key in ("float_accuracy", "fixed_accuracy"):
        assert result[key] == pytest.approx(np.mean([r[key] for r in result["per_seed"]]))
    assert np.array_equal(result["weights"]["C1.w"], fake_train(network, None, None, 7)["C1.w"])
    assert len({r["float_accuracy"] for r in result["per_seed"]}) > 1     # seeds differ


def test_resident_build_loads_no_weights_per_inference():
    from fdagen.optimize.reduce import reduce_network
    from fdagen.optimize.search import Build, rate

    streamed, library = Build().configure(lenet5())
    resident, _ = Build(resident=True).configure(lenet5())
    assert resident.weight_sets > streamed.weight_sets
    small = reduce_network(lenet5(), depth=0.25)
    for network in (lenet5(), small):
        loads = rate(network, streamed, library, 32)
        keeps = rate(network, resident, library, 32, resident=True)
        assert keeps["inferences_per_s"] > loads["inferences_per_s"]
        assert keeps["energy_per_inference_uj"] < loads["energy_per_inference_uj"]


def test_workers_are_single_threaded(monkeypatch):
    """A search's worker (spawned, with the search's initializer) runs XLA and every BLAS pool
    at one thread, even with the thread variables unset in the parent. (It can fail only
    where the process may use more than one core: on one, OpenBLAS starts with one thread.)"""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from fdagen.optimize.train import single_thread_environment

    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS"):
        monkeypatch.delenv(name, raising=False)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=single_thread_environment) as pool:
        threads = pool.submit(blas_threads).result()
    assert threads and set(threads) == {1}
