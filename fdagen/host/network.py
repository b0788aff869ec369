"""The host's side of a whole network on the accelerator: what it streams for each conv layer.

A :class:`NetworkHost` pairs a build (:class:`~fdagen.arch.config.AcceleratorConfig`) with a
calibrated bit-true network (:class:`~fdagen.golden.model.FixedNetwork`, the same calibration the
golden path uses). The accelerator runs the conv layers; the host quantizes the input, pools,
arranges strided layers' phases and runs the fully connected layers, exactly as
:meth:`FixedNetwork.forward` does, which takes the accelerator as its ``conv``. Every conv layer's
weights sit at their own weight sets (the build must have the network's weight sets,
:func:`fdagen.model.energy.network_weight_sets`): the first inference loads them, later ones
stream the biases only (``weights_resident``).
"""

import math
from dataclasses import dataclass

from fdagen.golden.checks import ParameterError
from fdagen.golden.polyphase import runs_as
from fdagen.host.descriptor import (LayerDescriptor, decode_output, layer_format, pixel_beats,
                                    weight_beats)

__all__ = ["ConvStep", "NetworkHost"]


@dataclass(frozen=True)
class ConvStep:
    """One conv layer's streams: the descriptor and weight beats that load its weights, and
    those that find them resident."""

    name: str
    load: LayerDescriptor
    load_weights: list
    resident: LayerDescriptor
    resident_weights: list

    @property
    def input_pixels(self):
        """Pixel beats of one input (the layer as it runs)."""
        return self.load.channels * math.prod(self.load.tiling.shape)

    @property
    def output_shape(self):
        """``(M, H_out, W_out)``."""
        return (self.load.out_channels,) + tuple(self.load.tiling.output_shape)


class NetworkHost:
    """``fixed``'s conv layers on ``config``: :attr:`steps` by layer name, in network order."""

    def __init__(self, config, fixed):
        fmt = layer_format(config)
        if fixed.fmt != fmt:
            raise ParameterError(f"network format must be the build's ({fmt}), not {fixed.fmt}")
        self.config, self.fixed = config, fixed
        self.steps = {}
        base = 0
        for layer in fixed.network.conv_layers:
            if layer.groups != 1:
                raise ParameterError(f"conv layer {layer.name!r} must have 1 group on the "
                                     f"accelerator's network runs, not {layer.groups}")
            run = runs_as(layer)
            w, bias = fixed.run_weights(layer)
            tiling, quant = fixed.tilings[layer.name], fixed.quants[layer.name]
            descriptors = [LayerDescriptor(config, tiling, fmt, quant, run.in_channels,
                                           run.out_channels, base, resident)
                           for resident in (False, True)]
            beats = [weight_beats(config, w, bias, tiling, fmt, quant, d.resident,
                                  d.schedule.weight_passes) for d in descriptors]
            self.steps[layer.name] = ConvStep(layer.name, descriptors[0], beats[0],
                                              descriptors[1], beats[1])
            base += descriptors[0].schedule.weight_sets

    def streams(self, name, codes, resident):
        """``(descriptor, desc words, weight beats, pixel beats)`` of conv layer ``name`` on
        input ``codes`` (the layer as it runs), its weights ``resident`` or loaded."""
        step = self.steps[name]
        descriptor = step.resident if resident else step.load
        weights = step.resident_weights if resident else step.load_weights
        return descriptor, descriptor.words(), weights, pixel_beats(self.config, codes)

    def outputs(self, name, words):
        """The output codes of conv layer ``name`` from its output stream ``words``."""
        return decode_output(self.config, words, self.steps[name].load)
