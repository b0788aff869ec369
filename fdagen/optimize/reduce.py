"""The candidate networks of the three reduction strategies, and their CMC in both domains.

Rizvi et al. reduce a spectral CNN's output feature maps (OFMs) step by step: their size, their
depth, or both. Here a reduction is a pair of fractions ``(size, depth)`` applied to a network
(:func:`reduce_network`):

* **depth** ``d``: every conv layer keeps ``ceil(d * M)`` of its ``M`` output channels (rounded
  up to a multiple of its groups and of the next conv layer's groups, at least one); the next
  layer's input channels follow. Fully connected widths stay (they are not feature maps).
* **size** ``s``: the input's spatial extent becomes ``round(s * S)`` (at least 1), so every
  layer's OFM shrinks with it (the data are resampled to match, :func:`fdagen.golden.digits.
  load_digits`). Kernels, strides and padding stay, except that a kernel larger than its
  padded input shrinks to it (such a layer covers its whole map, as LeNet-5's C5 does at full
  size); the first fully connected layer's input width follows.

A strategy is a ladder of ``levels`` steps, fractions ``1 - i / levels`` for ``i = 1 ..
levels - 1``: ``size`` lowers ``s`` alone, ``depth`` lowers ``d`` alone, ``both`` lowers the two
together (``s = d``). Each strategy's candidates are ordered by their CMC, largest first
(:func:`cmc_key`); a candidate that repeats an earlier network or does not lower the spectral
workload below the unreduced network's is dropped.

CMC (:func:`cmc`), from :func:`fdagen.golden.cmc.network_counts` (each conv layer at its
cheapest FFT size), in real operations and real words (a complex word is two):

* spatial workload: conv MACs + fc MACs; spectral workload: ``spectral_real_mults`` + fc MACs;
* spatial memory: conv and fc weights + every counted layer's input and output map words;
  spectral memory: 2 x spectral weight words + fc weights + the same map words + 2 x the conv
  layers' input and output spectrum words.
"""

import math
from dataclasses import dataclass

from fdagen.golden.checks import ParameterError
from fdagen.golden.cmc import network_counts
from fdagen.golden.networks import Layer, Network

__all__ = ["STRATEGIES", "Candidate", "reduce_network", "fractions", "candidates", "cmc",
           "cmc_key", "conv_channels"]

#: The strategies, in the order the search runs them.
STRATEGIES = ("size", "depth", "both")


@dataclass(frozen=True)
class Candidate:
    """One network to rate: ``strategy`` (``"baseline"`` for the unreduced network), its place
    ``step`` in the strategy's CMC order (0 for the baseline), the fractions that made it and
    the network."""

    strategy: str
    step: int
    size: float
    depth: float
    network: Network

    @property
    def key(self):
        """``"<strategy>/<step>"``, unique within a search."""
        return f"{self.strategy}/{self.step}"


def _round(value):
    return int(math.floor(value + 0.5))


def _fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ParameterError(f"{name} fraction must be in (0, 1], not {value!r}")
    return float(value)


def reduce_network(network, size=1.0, depth=1.0):
    """``network`` with its OFMs reduced by the ``size`` and ``depth`` fractions (module
    docstring); ``reduce_network(n)`` has ``n``'s layers, unchanged. The name records the
    fractions (``"lenet5-s0.75-d1"``), or stays when both are 1."""
    size, depth = _fraction("size", size), _fraction("depth", depth)
    convs = [i for i, layer in enumerate(network.layers) if layer.kind == "conv"]
    next_groups = {}
    for here, after in zip(convs, convs[1:] + [None]):
        next_groups[here] = 1 if after is None else network.layers[after].groups
    in_shape = tuple(max(1, _round(size * s)) for s in network.in_shape)
    channels, shape = network.in_channels, in_shape
    layers = []
    for index, layer in enumerate(network.layers):
        if layer.kind == "fc":
            features = channels * math.prod(shape)
            new = Layer(layer.name, "fc", features, layer.out_channels, (), relu=layer.relu)
            channels, shape = layer.out_channels, ()
        else:
            kernel = min(layer.kernel, min(shape) + 2 * layer.padding)
            out = channels
            if layer.kind == "conv":
                step = math.lcm(layer.groups, next_groups[index])
                # (a valid network's M is a multiple of step; 1e-9 absorbs the fraction's
                # rounding, e.g. (1 - 1/3) * 6)
                out = max(step, step * math.ceil(depth * layer.out_channels / step - 1e-9))
            new = Layer(layer.name, layer.kind, channels, out, shape, kernel, layer.stride,
                        layer.padding, layer.groups, layer.relu)
            channels, shape = out, new.out_shape
        layers.append(new)
    name = network.name if size == depth == 1 else f"{network.name}-s{size:g}-d{depth:g}"
    return Network(name, network.in_channels, in_shape, tuple(layers))


def fractions(levels):
    """The ladder ``1 - i / levels`` for ``i = 1 .. levels - 1`` (largest first)."""
    if isinstance(levels, bool) or not isinstance(levels, int) or not 2 <= levels <= 64:
        raise ParameterError(f"levels must be an integer between 2 and 64, not {levels!r}")
    return [1 - i / levels for i in range(1, levels)]


def conv_channels(network):
    """The conv layers' output channels, e.g. ``"6-16-120"``."""
    return "-".join(str(layer.out_channels) for layer in network.conv_layers)


def cmc(network):
    """The network's CMC in both domains (module docstring) as a dict: ``spatial_workload``,
    ``spatial_memory_words``, ``spectral_workload``, ``spectral_memory_words``, and the conv
    totals they come from."""
    counts = network_counts(network)
    totals = counts["totals"]
    maps = sum(c["input_words"] + c["output_words"] for c in counts["layers"])
    conv = [c for c in counts["layers"] if c["kind"] == "conv"]
    fc_weights = sum(c["spatial_weight_words"] for c in counts["layers"] if c["kind"] == "fc")
    spectra = sum(c["input_spectrum_words"] + c["output_spectrum_words"] for c in conv)
    return {
        "spatial_workload": totals["conv_spatial_macs"] + totals["fc_macs"],
        "spatial_memory_words": totals["conv_spatial_weight_words"] + fc_weights + maps,
        "spectral_workload": totals["spectral_real_mults"] + totals["fc_macs"],
        "spectral_memory_words": (2 * totals["spectral_weight_words"] + fc_weights + maps
                                  + 2 * spectra),
        "conv_spatial_macs": totals["conv_spatial_macs"],
        "conv_spectral_real_mults": totals["spectral_real_mults"],
        "fc_macs": totals["fc_macs"],
    }


def cmc_key(network):
    """The order of candidates: (spectral workload, spectral memory words); larger is first."""
    counts = cmc(network)
    return counts["spectral_workload"], counts["spectral_memory_words"]


def candidates(network, strategy, levels=8):
    """The candidates of ``strategy`` (one of :data:`STRATEGIES`) for ``network``, ordered by
    CMC, largest first, numbered from step 1 (module docstring); the baseline is not among
    them."""
    if strategy not in STRATEGIES:
        raise ParameterError(f"strategy must be one of {', '.join(STRATEGIES)}, not "
                             f"{strategy!r}")
    if not network.conv_layers:
        raise ParameterError(f"network {network.name!r} must have at least one conv layer, "
                             f"not none")
    pairs = {"size": lambda f: (f, 1.0), "depth": lambda f: (1.0, f),
             "both": lambda f: (f, f)}[strategy]
    baseline = reduce_network(network)
    limit = cmc_key(baseline)[0]
    seen, found = {baseline.layers}, []
    for fraction in fractions(levels):
        size, depth = pairs(fraction)
        reduced = reduce_network(network, size, depth)
        if reduced.layers in seen or cmc_key(reduced)[0] >= limit:
            continue
        seen.add(reduced.layers)
        found.append((size, depth, reduced))
    found.sort(key=lambda item: cmc_key(item[2]), reverse=True)
    return [Candidate(strategy, step, size, depth, reduced)
            for step, (size, depth, reduced) in enumerate(found, 1)]
