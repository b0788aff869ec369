"""One candidate trained and measured: float and bit-true fixed-point accuracy on the digits.

:func:`evaluate` is what a search's worker process runs. The candidate is trained from scratch
(:func:`fdagen.optimize.train.train`) on the training split at its input size
(:func:`fdagen.golden.digits.load_digits`); its accuracy is measured on the test split twice:
in float (:func:`fdagen.golden.model.forward_float`, spatial) and in the bit-true fixed-point
path (:class:`fdagen.golden.model.FixedNetwork`: every conv layer as the accelerator runs it, at
the FFT sizes and word widths of the build it is rated on, shifts calibrated on the first
``calibration`` training images; pooling and fully connected layers on the host).
"""

import time
from dataclasses import dataclass, field

from fdagen.golden.digits import load_digits
from fdagen.golden.model import FixedNetwork, accuracy, forward_float
from fdagen.golden.pipeline import FixedFormat

__all__ = ["Settings", "evaluate"]


@dataclass(frozen=True)
class Settings:
    """How every candidate of a search is trained and measured.

    Members
    -------
    train : dict
        Keyword arguments of :func:`fdagen.optimize.train.train` (epochs, batch, lr,
        weight_decay, seed, steps).
    train_images : int or None
        Use only the first this many training images (None: all 1347).
    test_images : int or None
        Use only the first this many test images (None: all 450).
    calibration : int
        Training images the fixed-point shifts are calibrated on.
    fmt : FixedFormat
        The fixed-point format (the build's word widths).
    mac : CrossbarMAC or None
        The golden MAC of the build's PE kind (None: digital PEs, the exact MAC).
    seeds : int
        Trainings per candidate, seeds ``seed .. seed + seeds - 1``: the accuracies are their
        means (less noise in the stopping rule), the weights kept are the first seed's.
    """

    train: dict = field(default_factory=dict)
    train_images: int | None = None
    test_images: int | None = None
    calibration: int = 64
    fmt: FixedFormat = FixedFormat()
    mac: object = None
    seeds: int = 1


def evaluate(network, settings, fft_sizes=None):
    """Train ``network`` and measure it (module docstring) once per seed of ``settings``;
    ``fft_sizes``: conv layer name -> FFT size of the fixed-point path (None: each layer's
    smallest that fits). Return a dict: ``weights`` (the first seed's, the layout of
    :func:`fdagen.golden.model.load_weights`), ``float_accuracy`` and ``fixed_accuracy``
    (fractions, means over the seeds), ``per_seed`` (each seed's two accuracies), ``train_s``
    and ``measure_s`` (wall seconds, all seeds)."""
    from fdagen.optimize.train import train

    size = network.in_shape[0]
    x_train, y_train = load_digits("train", size)
    x_test, y_test = load_digits("test", size)
    if settings.train_images is not None:
        x_train, y_train = x_train[:settings.train_images], y_train[:settings.train_images]
    if settings.test_images is not None:
        x_test, y_test = x_test[:settings.test_images], y_test[:settings.test_images]
    first = settings.train.get("seed", 0)
    per_seed, kept, train_s, measure_s = [], None, 0.0, 0.0
    for seed in range(first, first + settings.seeds):
        start = time.perf_counter()
        weights = train(network, x_train, y_train, **{**settings.train, "seed": seed})
        trained = time.perf_counter()
        float_accuracy = accuracy(lambda x: forward_float(network, weights, x), x_test, y_test)
        fixed = FixedNetwork(network, weights, list(x_train[:settings.calibration]),
                             settings.fmt, fft_sizes, settings.mac)
        per_seed.append({"seed": seed, "float_accuracy": float_accuracy,
                         "fixed_accuracy": accuracy(fixed.forward, x_test, y_test)})
        kept = weights if kept is None else kept
        train_s += trained - start
        measure_s += time.perf_counter() - trained
    return {"weights": kept, "per_seed": per_seed,
            "float_accuracy": sum(r["float_accuracy"] for r in per_seed) / len(per_seed),
            "fixed_accuracy": sum(r["fixed_accuracy"] for r in per_seed) / len(per_seed),
            "train_s": train_s, "measure_s": measure_s}
