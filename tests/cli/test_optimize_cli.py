"""``fdagen optimize`` end to end on a toy budget, and its chosen network run as a network file
by ``fdagen energy``, ``fdagen cmc`` and ``fdagen golden net --weights``."""

import csv
import json

import pytest
from support.training import require_jax

from fdagen.cli import main
from fdagen.golden.networks import lenet5, load_network

TOY = ["--strategy", "depth", "--levels", "2", "--epochs", "5", "--steps", "40", "--lr", "0.003",
       "--train-images", "512", "--test-images", "60", "--calibration", "8", "--seed", "1"]


def test_toy_run_writes_every_output_and_a_runnable_network(tmp_path, capsys):
    require_jax()
    out = tmp_path / "opt"
    status = main(["optimize", "--max-accuracy-drop", "100", *TOY, "--out", str(out)])
    text, _ = capsys.readouterr()
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "chosen-depth.npz", "chosen-depth.toml", "optimize.csv", "optimize.json",
        "optimize.png", "table.md"]
    rows = list(csv.DictReader((out / "optimize.csv").open()))
    assert [(r["strategy"], r["step"], r["status"], r["chosen_for"]) for r in rows] == [
        ("baseline", "0", "baseline", ""), ("depth", "1", "accepted", "depth")]
    assert rows[1]["conv_channels"] == "3-8-60"
    document = json.loads((out / "optimize.json").read_text())
    assert document["chosen"] == {"depth": "depth/1"} and document["max_drop_pp"] == 100
    assert document["command"].startswith("fdagen optimize --net lenet5 --data digits "
                                          "--strategy depth --max-accuracy-drop 100")
    assert "| depth | lenet5-s1-d0.5 | 32x32 | 3-8-60 |" in text
    assert (out / "table.md").read_text() in text
    assert (out / "optimize.png").read_bytes().startswith(b"\x89PNG")

    network = load_network(out / "chosen-depth.toml")
    assert network.name == "lenet5-s1-d0.5" and [layer.out_channels for layer in
                                                  network.conv_layers] == [3, 8, 60]
    assert main(["energy", "--net", str(out / "chosen-depth.toml"), "--json"]) == 0
    report = json.loads(capsys.readouterr()[0])
    assert report["network"] == "lenet5-s1-d0.5"
    assert report["totals"]["inferences_per_s"] > 0
    assert main(["cmc", "--net", str(out / "chosen-depth.toml")]) == 0
    capsys.readouterr()
    assert main(["golden", "net", "--net", str(out / "chosen-depth.toml"), "--weights",
                 str(out / "chosen-depth.npz"), "--limit", "60", "--calibration", "8",
                 "--sqnr-images", "2", "--json"]) == 0
    accuracy = json.loads(capsys.readouterr()[0])["accuracy"]
    # the same weights and images: the float accuracy is the search's
    assert accuracy["spatial_float"] == document["candidates"][1]["float_accuracy"]


def test_a_failing_search_leaves_no_output(tmp_path, monkeypatch):
    require_jax()

    def broken(*args, **kwargs):
        raise RuntimeError("worker died")
    monkeypatch.setattr("fdagen.optimize.search.search", broken)
    with pytest.raises(RuntimeError, match="worker died"):
        main(["optimize", "--max-accuracy-drop", "3", *TOY, "--out", str(tmp_path / "opt")])
    assert list(tmp_path.iterdir()) == []


def test_json_prints_only_the_chosen_keys(tmp_path, capsys, monkeypatch):
    """--json: stdout is one JSON document (strategy -> chosen key), the summary on stderr. The
    search runs in this process with a stand-in for training (no JAX needed)."""
    import functools

    import numpy as np

    import fdagen.optimize.search
    from fdagen.optimize.reduce import cmc

    full = cmc(lenet5())["spectral_workload"]

    def by_workload(network, settings, fft_sizes):
        accuracy = round(0.90 + 0.08 * cmc(network)["spectral_workload"] / full, 4)
        return {"weights": {"w": np.zeros(1)}, "float_accuracy": accuracy,
                "fixed_accuracy": accuracy, "train_s": 0.0, "measure_s": 0.0}
    monkeypatch.setattr("fdagen.optimize.train.available", lambda: True)
    monkeypatch.setattr("fdagen.optimize.search.search", functools.partial(
        fdagen.optimize.search.search, executor=fdagen.optimize.search.InlineExecutor(),
        evaluate_fn=by_workload))
    out = tmp_path / "opt"
    assert main(["optimize", "--max-accuracy-drop", "3", "--strategy", "depth", "--levels", "8",
                 "--json", "--out", str(out)]) == 0
    stdout, stderr = capsys.readouterr()
    assert json.loads(stdout) == {"depth": "depth/2"}
    assert f"wrote {out}: " in stderr
