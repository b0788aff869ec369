"""One conv layer as the accelerator's input streams plus its golden output (shared by the RTL
simulation flows and the testbench that ``fdagen build`` writes)."""

from dataclasses import dataclass

import numpy as np

from fdagen.golden.pipeline import conv_fixed
from fdagen.host.descriptor import LayerDescriptor, encode_output, pixel_beats, weight_beats

__all__ = ["LayerJob", "layer_job"]


@dataclass
class LayerJob:
    """One layer's streams and its golden result."""

    descriptor: LayerDescriptor
    desc: list
    weights: list
    pixels: list
    expected: np.ndarray          # golden output codes (M, H_out, W_out)

    def as_json(self, config, check=True):
        job = {"desc": self.desc, "weights": self.weights, "pixels": self.pixels,
               "outputs": int(self.expected.size)}
        if check:
            job["expected"] = [int(v) & ((1 << config.data_width) - 1)
                               for v in encode_output(self.descriptor, self.expected)]
        return job


def layer_job(config, x_codes, w, bias, tiling, fmt, quant, mac=None, weight_base=0,
              resident=False):
    """Streams for one layer (validated against ``config``) and the golden output codes, from
    the golden MAC the build computes (``mac``; by default its PE kind's with ideal devices,
    :meth:`fdagen.arch.pe_kinds.PEKind.build_mac`). The layer's weights go to the weight sets
    from ``weight_base`` on, or are there already when ``resident`` (an earlier job loaded the
    same ``w`` at the same base)."""
    x_codes = np.asarray(x_codes, dtype=np.int64)
    descriptor = LayerDescriptor(config, tiling, fmt, quant, x_codes.shape[0], w.shape[0],
                                 weight_base, resident)
    trace = conv_fixed(x_codes, w, bias, tiling, fmt, quant,
                         config.pe.build_mac(config) if mac is None else mac)
    return LayerJob(descriptor, descriptor.words(),
                    weight_beats(config, w, bias, tiling, fmt, quant, resident,
                                 descriptor.schedule.weight_passes),
                    pixel_beats(config, x_codes), trace.output_codes)
