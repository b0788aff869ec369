"""Run a network's inference three ways: spatial float, spectral float, spectral fixed point.

Conv layers are the accelerator's work. In the fixed-point path each conv layer runs bit-true
(:func:`.pipeline.conv_fixed`) with per-layer shifts chosen by :func:`.pipeline.calibrate_layer`
on calibration images (never the test images); max pooling works on the integer codes (exact),
and the fully connected layers run in float64 on the dequantized features, as a host would.

Weights are a dict of arrays named ``"<layer>.w"`` and ``"<layer>.b"``; conv weights are
(M, C, K, K), fc weights (out, in).
"""

from collections.abc import Mapping
from importlib import resources

import numpy as np

from .checks import ParameterError
from .direct import conv_direct, max_pool, relu
from .pipeline import FixedFormat, calibrate_layer, conv_fixed, quantize_input
from .polyphase import layer_polyphase, runs_as
from .spectral import conv_spectral
from .tiling import Tiling

__all__ = ["load_weights", "LENET5_WEIGHTS", "forward_float", "FixedNetwork", "accuracy"]

LENET5_WEIGHTS = "lenet5_digits.npz"


def load_weights(name=LENET5_WEIGHTS):
    """Load a weights file shipped in ``fdagen.golden/data`` (or any path) as a dict."""
    path = resources.files(__package__) / "data" / name
    if not path.is_file():
        path = name
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def _fc(layer, weights, features):
    y = weights[f"{layer.name}.w"] @ features.reshape(-1) + weights[f"{layer.name}.b"]
    return relu(y) if layer.relu else y


def forward_float(network, weights, x, domain="spatial", fft_size=None):
    """Return the float logits of one input ``x`` (C, *S); ``domain`` is spatial or spectral."""
    if domain not in ("spatial", "spectral"):
        raise ParameterError(f"domain must be spatial or spectral, not {domain!r}")
    for layer in network.layers:
        if layer.kind == "conv":
            w, b = weights[f"{layer.name}.w"], weights[f"{layer.name}.b"]
            if domain == "spatial":
                x = conv_direct(x, w, b, layer.stride, layer.padding)
            else:
                x, _ = conv_spectral(x, w, b, layer.stride, layer.padding, fft_size)
            x = relu(x) if layer.relu else x
        elif layer.kind == "pool":
            x = max_pool(x, layer.kernel, layer.stride)
        else:
            x = _fc(layer, weights, x)
    return x


class FixedNetwork:
    """A network whose conv layers run bit-true, calibrated on ``calibration`` inputs.

    Members
    -------
    tilings : dict
        Layer name -> :class:`.Tiling`.
    quants : dict
        Layer name -> :class:`.LayerQuant` (the descriptor's shifts).
    macs : dict
        Layer name -> the layer's :class:`.crossbar.CrossbarMAC` (its own device map), or None
        for digital PEs.

    ``mac`` is None (digital PEs) or a :class:`.crossbar.CrossbarMAC` whose format and devices
    every conv layer uses; conv layer ``i`` (counting from 0) gets the map of ``(seed, i)``.
    A conv layer with stride > 1 runs as the accelerator runs it, as its stride-1 polyphase
    form (:mod:`.polyphase`): ``tilings`` and ``quants`` are that form's, and the traces'
    inputs are the phases. With ``whole_map`` (the accelerator host's choice) a layer whose
    padded map fits ``N`` runs as one whole-map tile (:mod:`.tiling`). ``fft_size`` is one
    size for every conv layer (None: each layer's smallest that fits), or a mapping from conv
    layer name to that layer's size (the accelerator's per-layer FFT size).
    """

    def __init__(self, network, weights, calibration, fmt=FixedFormat(), fft_size=None,
                 mac=None, whole_map=True):
        self.network, self.weights, self.fmt = network, weights, fmt
        self.input_frac = fmt.data_width - 1
        self.tilings, self.quants, self.macs = {}, {}, {}
        self.phases = {}          # layer name -> its Polyphase, or None
        self._run_weights = {}    # layer name -> (w, b) as the layer runs
        codes = [quantize_input(x, self.input_frac, fmt.data_width, fmt.rounding)
                 for x in calibration]
        frac = self.input_frac
        for layer in network.layers:
            if layer.kind == "conv":
                phases = self.phases[layer.name] = layer_polyphase(layer)
                w, b = weights[f"{layer.name}.w"], weights[f"{layer.name}.b"]
                if phases is not None:
                    w = phases.weights(w)
                self._run_weights[layer.name] = (w, b)
                run = runs_as(layer)
                codes = [self._arrange(layer, c) for c in codes]
                size = fft_size.get(layer.name) if isinstance(fft_size, Mapping) else fft_size
                tiling = Tiling.choose(run.in_shape, run.kernel, run.stride, run.padding,
                                       size, None, run.in_channels, run.out_channels,
                                       whole_map=whole_map)
                layer_mac = None if mac is None else mac.for_layer(
                    len(self.macs), fmt.mac_input_width(tiling.fft_size, tiling.dims),
                    fmt.weight_width)
                quant = calibrate_layer(codes, w, b, tiling, fmt, frac, layer.relu, layer_mac)
                self.tilings[layer.name], self.quants[layer.name] = tiling, quant
                self.macs[layer.name] = layer_mac
                codes = [conv_fixed(c, w, b, tiling, fmt, quant, layer_mac).output_codes
                         for c in codes]
                frac = quant.output_frac
            elif layer.kind == "pool":
                codes = [max_pool(c, layer.kernel, layer.stride) for c in codes]
            else:
                break

    def run_weights(self, layer):
        """``(w, b)`` of conv ``layer`` as it runs (phase kernels when polyphase)."""
        return self._run_weights[layer.name]

    def _arrange(self, layer, codes):
        """The input codes of conv ``layer`` as it runs (its phases when polyphase)."""
        phases = self.phases[layer.name]
        return codes if phases is None else phases.inputs(codes)

    def layer_sqnr(self, images):
        """Return per-layer SQNR in dB of the bit-true conv layers on ``images``.

        Each layer is judged alone: its dequantized fixed-point output against the float direct
        convolution (with ReLU) of the same dequantized input, signal and noise energy summed
        over all images.
        """
        energy = {name: [0.0, 0.0] for name in self.quants}
        for x in images:
            traces = []
            self.forward(x, traces)
            for layer, trace in zip(self.network.conv_layers, traces):
                x_float = np.ldexp(trace.input_codes.astype(np.float64), -trace.quant.input_frac)
                tiling = trace.tiling          # the layer as it ran: the same float result
                reference = conv_direct(x_float, *self.run_weights(layer), tiling.stride,
                                        tiling.padding)
                reference = relu(reference) if layer.relu else reference
                energy[layer.name][0] += float(np.sum(reference ** 2))
                energy[layer.name][1] += float(np.sum((trace.output() - reference) ** 2))
        return {name: (float("inf") if noise == 0 else 10 * np.log10(signal / noise))
                for name, (signal, noise) in energy.items()}

    def forward(self, x, traces=None, conv=None):
        """Return the logits of one float input ``x``; append each conv trace to ``traces``.

        ``conv``: who computes the conv layers, ``conv(layer, codes) -> output codes`` with the
        codes of the layer as it runs (its phases when polyphase; :meth:`run_weights` and
        ``tilings`` give the rest), e.g. the accelerator RTL; by default this golden model
        (:func:`.pipeline.conv_fixed`); ``traces`` collects only the golden model's.
        Quantization, pooling and the fully connected layers are the host's and run here
        either way.
        """
        fmt = self.fmt
        codes = quantize_input(x, self.input_frac, fmt.data_width, fmt.rounding)
        frac = self.input_frac
        features = None
        for layer in self.network.layers:
            if layer.kind == "conv":
                run_codes = self._arrange(layer, codes)
                if conv is None:
                    trace = conv_fixed(run_codes, *self.run_weights(layer),
                                         self.tilings[layer.name], fmt,
                                         self.quants[layer.name], self.macs[layer.name])
                    if traces is not None:
                        traces.append(trace)
                    codes = trace.output_codes
                else:
                    codes = conv(layer, run_codes)
                frac = self.quants[layer.name].output_frac
            elif layer.kind == "pool":
                codes = max_pool(codes, layer.kernel, layer.stride)
            else:
                if features is None:
                    features = np.ldexp(codes.astype(np.float64), -frac)
                features = _fc(layer, self.weights, features)
        return features


def accuracy(predict, images, labels):
    """Fraction of ``images`` whose ``argmax(predict(image))`` equals the label."""
    hits = sum(int(np.argmax(predict(x)) == label) for x, label in zip(images, labels))
    return hits / len(labels)
