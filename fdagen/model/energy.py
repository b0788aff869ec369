"""Energy, latency and area of a network on one accelerator build, and on a spatial baseline.

Every count comes from the controller's schedule (:class:`fdagen.arch.schedule.LayerSchedule`, the
code the RTL perf counters are checked against) and the cycle model (:mod:`fdagen.model.cycles`);
every energy and area from the component library (:mod:`fdagen.model.components`) through the stated
rules of :mod:`fdagen.model.costs`. The report names the library entries behind each number.

Scope and assumptions (also in the report's ``"assumptions"``):

* Conv layers run on the accelerator one after another, each as its own descriptor (a grouped
  conv as ``groups`` layers of ``C/g -> M/g``); pooling and fully connected layers are not part
  of the accelerator and are listed under ``"not_modelled"``.
* A layer with stride ``s > 1`` runs as its stride-1 polyphase form (``strided="polyphase"``,
  :mod:`fdagen.golden.polyphase`: ``C min(s, K)^2`` channels, ``ceil(K/s)`` kernels), which the
  host arranges; ``strided="decimate"`` models the other treatment, stride 1 over the whole
  input keeping every ``s``-th output. The baselines run the layer as defined.
* Dynamic energy of the datapath and on-chip memories only: no leakage, clock tree, control or
  off-chip traffic (the host's weight, pixel and output words are reported as counts).
* Digital PEs of idle output-channel slots (``g J + j >= M``) do nothing; crossbars convert
  every slot's columns (:attr:`fdagen.arch.pe_kinds.PEKind.gates_idle_slots`).
* Latency on an ideal host (every stream one beat per clock: ``weight_beat_words`` weights,
  ``pixel_beat_words`` pixels), one image at a time.

PE kinds (both generated): ``digital`` has two real multipliers per PE and weights in SRAM;
``reram`` is FDA's PE in crossbars (:class:`fdagen.arch.pe_kinds.ReRAMPE`): its reads, DAC drives,
ADC conversions and shift-adds are the counters the RTL counts, priced at the build's converter
resolutions (:meth:`fdagen.model.costs.CostRules.adc_conversion`), and its weights cost a
programming pulse and a verify read per cell, every layer (the build programs each layer's
weights before it runs).

Baselines (:mod:`fdagen.model.baselines`): the spatial digital array with the same multiplier
budget (``report["baseline"]``, as before), the ISAAC-like spatial ReRAM array with the build's
crossbar format, and, for a kind other than digital, the digital spectral kind on the same
build; ``report["baselines"]`` has them all, per layer and in total.
"""

import math
from dataclasses import replace

from fdagen import __version__
from fdagen.arch.config import MAX_ACCELERATOR_FFT_SIZE_3D, AcceleratorConfig
from fdagen.arch.geometry import TileGeometry
from fdagen.arch.schedule import LayerSchedule
from fdagen.golden.checks import ParameterError
from fdagen.golden.cmc import layer_counts
from fdagen.golden.polyphase import check_strided, runs_as
from fdagen.golden.tiling import Tiling
from fdagen.model import baselines
from fdagen.model.costs import CostRules, total
from fdagen.model.cycles import estimate_cycles

__all__ = ["EnergyModel", "network_config", "spectrum_tile_choices", "choose_fft_size",
           "layer_fft_sizes", "ModelError"]

FFT_SIZES = (8, 16, 32, 64)

ASSUMPTIONS = (
    "conv layers only, one descriptor each (grouped convs as groups of C/g -> M/g layers)",
    "a strided layer runs as its stride-1 polyphase form (C min(s,K)^2 channels, ceil(K/s) "
    "kernels) unless the report says decimate; baselines run it as defined",
    "dynamic energy of datapath and on-chip memories; no leakage, clock tree, control or "
    "off-chip traffic",
    "digital PEs of idle output-channel slots do nothing; crossbars convert every slot's "
    "columns",
    "latency on an ideal host (one beat per clock per stream), one image at a time",
    "spatial baseline: 2P multipliers at full utilisation, one weight read per MAC, inputs "
    "broadcast to min(M, 2P) MACs, same memory rules",
    "spatial ReRAM baseline (ISAAC-like): C K K rows, the build's crossbar format and "
    "converters, one copy of the weights programmed once per layer (none with --resident), "
    "all of the layer's crossbars at work (fdagen.model.baselines)",
    "reram programming: ideal cells, one pulse and one verify read each (the RTL counts the "
    "real pulses)",
)


#: The baselines of a report (:mod:`fdagen.model.baselines`), and what each is.
BASELINES = {
    "spatial_digital": "spatial-domain digital array with the same multiplier budget",
    "spatial_reram": "spatial-domain ReRAM array, ISAAC-like, with the build's crossbar format",
    "spectral_digital": "this build with digital PEs (the digital spectral kind)",
}


class ModelError(ParameterError):
    """A network does not fit the requested build."""


def _conv_layers(network):
    layers = [layer for layer in network.layers if layer.kind == "conv"]
    if not layers:
        raise ModelError(f"network {network.name!r} must have at least one conv layer")
    dims = {layer.dims for layer in layers}
    if len(dims) > 1 or not dims <= {2, 3}:
        raise ModelError(f"network {network.name!r} must have conv layers of one kind, all 2-D "
                         f"or all 3-D, not {sorted(dims)}-D")
    return layers


def digital_twin(config):
    """``config`` with digital PEs: the same build but for the PE kind and its own fields."""
    from dataclasses import fields, replace

    from fdagen.arch.config import KIND_FIELDS
    from fdagen.arch.pe_kinds import DigitalPE

    defaults = {f.name: f.default for f in fields(config) if f.name in KIND_FIELDS}
    return replace(config, pe_kind=DigitalPE.name, **defaults)


def network_weight_sets(network, config, fft_sizes=None):
    """Weight sets per bin lane that hold every conv layer of ``network`` at once on
    ``config`` (a grouped conv's groups each their own ``G U/L``, ``U`` at the layer's FFT
    size: ``fft_sizes`` maps layer names to sizes, default the build's)."""
    sizes = fft_sizes or {}
    return sum(_sets(layer, config, sizes.get(layer.name, config.fft_size))
               for layer in _conv_layers(network))


def _sets(layer, config, fft_size):
    """Weight sets per bin lane of conv ``layer``'s weights at ``fft_size``: ``G U/L`` for each
    of its groups."""
    groups = -(-(layer.out_channels // layer.groups) // config.slots)
    return layer.groups * groups * (TileGeometry(config.dims, fft_size).unique_bins
                                    // config.bin_lanes)


def network_config(network, pes, fft_size=8, resident=False, strided="polyphase", library=None,
                   node_nm=32, layer_fft_size=True, **options):
    """The :class:`AcceleratorConfig` with ``pes`` and ``fft_size`` whose memories hold every
    conv layer of ``network`` as it runs (``strided``: see :class:`EnergyModel`; ``options``
    as AcceleratorConfig's other fields), and with ``resident`` the weight sets for all their
    weights at once. Unless ``options`` set ``spectrum_tiles``, the spectrum buffer keeps
    every tile of the layer with the most (each layer then runs as one block), or, given a
    ``library``, the block size in :func:`spectrum_tile_choices` with the least energy per
    inference (ties: the smaller): a larger block costs more per spectrum-buffer access, a
    smaller one streams the weights of a layer with more groups than buffers once per block
    (``layer_fft_size`` as :class:`EnergyModel`'s)."""
    layers = [runs_as(layer, strided) for layer in _conv_layers(network)]
    for layer in layers:
        if layer.kernel > fft_size:
            raise ModelError(f"FFT size must be at least the kernel size {layer.kernel} of "
                             f"layer {layer.name!r}, not {fft_size}")
    limits = dict(
        dims=layers[0].dims,
        max_channels=max(layer.in_channels // layer.groups for layer in layers),
        max_out_channels=max(layer.out_channels // layer.groups for layer in layers),
        max_size=max(max(layer.in_shape) + 2 * layer.padding for layer in layers))
    limits.update(options)
    try:
        config = AcceleratorConfig(pes=pes, fft_size=fft_size, **limits)
        if "spectrum_tiles" not in options:     # one block: every layer's tiles kept at once
            tiles = max(Tiling.choose(layer.in_shape, layer.kernel, layer.stride,
                                      layer.padding, fft_size=fft_size,
                                      whole_map=True).tile_count
                        for layer in layers)
            config = replace(config, spectrum_tiles=-(-tiles // config.fft_lanes)
                             * config.fft_lanes)
    except ParameterError as error:      # e.g. more weight sets than a build can address
        raise ModelError(f"the build for {network.name!r} at P = {pes}, N = {fft_size}: "
                         f"{error}") from None
    if resident:
        config = replace(config, weight_sets=max(config.weight_sets,
                                                 network_weight_sets(network, config)))
        if library is not None and layer_fft_size:
            # the layers' own sizes need fewer sets than the build's N: size for those, unless
            # the smaller memories would move a layer to a size that no longer fits
            sizes = layer_fft_sizes(network, config, library, node_nm, strided, resident=True)
            smaller = replace(config, weight_sets=max(
                network_weight_sets(network, config, sizes),
                config.pe.default_weight_groups(config) * config.bin_steps))
            chosen = layer_fft_sizes(network, smaller, library, node_nm, strided, resident=True)
            if network_weight_sets(network, smaller, chosen) <= smaller.weight_sets:
                config = smaller
    if library is not None and "spectrum_tiles" not in options:
        best = None
        for tiles in spectrum_tile_choices(config):
            candidate = replace(config, spectrum_tiles=tiles)
            energy = EnergyModel(candidate, library, node_nm, strided,
                                 layer_fft_size=layer_fft_size).report(
                network, resident=resident)["totals"]["energy_pj"]
            if best is None or energy < best[0]:
                best = (energy, candidate)
        config = best[1]
    return config


def spectrum_tile_choices(config):
    """Block sizes :func:`network_config` weighs: two tiles per FFT lane, doubling, up to
    ``config``'s (every tile of its largest layer)."""
    choices, tiles = [], 2 * config.fft_lanes
    while tiles < config.spectrum_tiles:
        choices.append(tiles)
        tiles *= 2
    return choices + [config.spectrum_tiles]


def choose_fft_size(network, pes, library, node_nm=32, resident=False, strided="polyphase",
                    layer_fft_size=True, **options):
    """The FFT size in :data:`FFT_SIZES` (at least every kernel as it runs) with the least
    energy per inference (ties: the smaller); ``resident`` as :meth:`EnergyModel.report`'s,
    ``strided`` and ``layer_fft_size`` as :class:`EnergyModel`'s (with it, the build's size
    is the largest a layer may select)."""
    layers = _conv_layers(network)
    kernel = max(runs_as(layer, strided).kernel for layer in layers)
    largest = MAX_ACCELERATOR_FFT_SIZE_3D if layers[0].dims == 3 else FFT_SIZES[-1]
    best = None
    for n in FFT_SIZES:
        if n < kernel or n > largest:
            continue
        config = network_config(network, pes, n, resident, strided, library, node_nm,
                                layer_fft_size, **options)
        energy = EnergyModel(config, library, node_nm, strided,
                             layer_fft_size=layer_fft_size).report(
            network, resident=resident)["totals"]["energy_pj"]
        if best is None or energy < best[0]:
            best = (energy, n)
    if best is None:
        raise ModelError(f"kernel size must be at most {largest}, not {kernel}")
    return best[1]


def layer_fft_sizes(network, config, library, node_nm=32, strided="polyphase",
                    resident=False):
    """``{conv layer name: N}``: the FFT size each conv layer of ``network`` runs at on
    ``config`` with the least energy (:class:`EnergyModel`'s choice, which the host follows)."""
    model = EnergyModel(config, library, node_nm, strided)
    return {layer.name: _least(model.layer_fft_sizes(layer, resident))
            for layer in _conv_layers(network) if model.misfit(layer) is None}


def _least(energies):
    """The key of the least value of ``{N: energy}`` (ties: the smaller ``N``)."""
    return min(energies, key=lambda n: (energies[n], n))


def _component(events, cost, library):
    return {"events": events, "pj_per_event": cost.value, "pj": events * cost.value,
            "source": [f"{name}: {library[name].source}" for name in cost.sources]}


class EnergyModel:
    """The model for one build: ``config`` (:class:`AcceleratorConfig`), ``library``
    (:class:`~fdagen.model.components.ComponentLibrary`) and the technology node. The PE
    kind is the build's (``config.pe``): its hooks give the array's counts, energy and area.
    ``strided`` is how a layer with stride > 1 runs (:data:`fdagen.golden.polyphase.
    STRIDED_TREATMENTS`): as its stride-1 polyphase form (the host's default) or decimated.
    ``whole_map``: a layer whose padded map fits ``N`` runs as one whole-map tile
    (:mod:`fdagen.golden.tiling`; the host's default: fewer tiles, the same results) rather than
    overlap-added tiles of ``N - K + 1``; each such layer's report also carries the tiled
    treatment's figures (``"tiled"``). ``layer_fft_size``: each layer runs at the FFT size of
    :attr:`~fdagen.arch.config.AcceleratorConfig.layer_fft_sizes` (at least its kernel) with the
    least energy (ties: the smaller), as the host runs it; its report lists every size's energy
    (``"fft_sizes"``). False: every layer at the build's ``N``."""

    def __init__(self, config, library, node_nm=32, strided="polyphase", whole_map=True,
                 layer_fft_size=True):
        if isinstance(node_nm, bool) or not isinstance(node_nm, (int, float)) \
                or not 5 <= node_nm <= 180:
            raise ModelError(f"technology node must be between 5 and 180 nm, not {node_nm!r}")
        self.config = config
        self.library = library
        self.node_nm = node_nm
        self.strided = check_strided(strided)
        self.whole_map = whole_map
        self.layer_fft_size = layer_fft_size
        self.rules = CostRules(library, node_nm)

    # -- per-event costs -----------------------------------------------------------------------
    def _cost(self, spec):
        """A cost named as data, ``(rule, *arguments)`` (the PE kinds' hooks), from the rules."""
        rule, *arguments = spec
        return getattr(self.rules, rule)(*arguments)

    def _transform_costs(self, width, unique_bins):
        """(per butterfly, per frame) of a 2-D FFT lane with ``width``-bit samples running
        transforms of ``unique_bins`` kept bins (the layer's ``N``) on the build's memories: the
        delay lines of ``N_max / 2`` words at most, the transpose banks of ``U_max``."""
        c, r = self.config, self.rules
        n, word = c.fft_size, 2 * width
        butterfly = total([4 * r.multiply(width, c.twiddle_width), 6 * r.add(width + 1),
                           4 * r.memory_access(word, (n // 2) * word)])
        frame = 2 * unique_bins * r.memory_access(word, 2 * c.unique_bins * word)
        return butterfly, frame

    def _fewest_sets(self, layer):
        """Weight sets per bin lane of ``layer``'s weights at the smallest size it can run at."""
        kernel = runs_as(layer, self.strided).kernel
        return min(_sets(layer, self.config, n) for n in self.config.layer_fft_sizes
                   if n >= kernel)

    def layer_fft_sizes(self, layer, resident=False):
        """``{N: energy_pj}`` of ``layer`` at each FFT size it can run at on this build (with
        ``resident``, only the sizes whose groups of ``U/L`` sets the build's weight sets
        hold)."""
        run = runs_as(layer, self.strided)
        energies = {}
        for n in self.config.layer_fft_sizes:
            if n >= run.kernel and not (resident and _sets(layer, self.config, n)
                                        > self.config.weight_sets):
                energies[n] = self.layer(layer, with_baselines=False, resident=resident,
                                         fft_size=n)["energy_pj"]
        return energies

    # -- one layer -----------------------------------------------------------------------------
    def layer(self, layer, with_baselines=True, resident=False, fft_size=None):
        """Counts, cycles and energy by component of one conv layer (all its groups), and the
        baselines' (:meth:`_baselines`) unless ``with_baselines`` is false; with ``resident``
        the layer's weights are in place already (no weight loaded, on the baselines neither).
        ``fft_size``: the layer's transform size (default: see the class)."""
        c, r, lib = self.config, self.rules, self.library
        groups = layer.groups
        run = runs_as(layer, self.strided)
        if run.kernel > c.fft_size:
            raise ModelError(f"FFT size must be at least the kernel size {run.kernel} of "
                             f"layer {layer.name!r} as it runs, not {c.fft_size}")
        sizes = None
        if fft_size is None and self.layer_fft_size:
            sizes = self.layer_fft_sizes(layer, resident)
            if not sizes:           # resident, and no size's groups fit the weight sets
                fewest = self._fewest_sets(layer)
                raise ModelError(f"weight sets must be at least {fewest} to keep the weights "
                                 f"of layer {layer.name!r} resident, not {c.weight_sets}")
            fft_size = _least(sizes)
        n = fft_size or c.fft_size
        tiling = Tiling.choose(run.in_shape, run.kernel, run.stride, run.padding,
                               fft_size=n, whole_map=self.whole_map)
        schedule = LayerSchedule(c, tiling, run.in_channels // groups,
                                 run.out_channels // groups, resident)
        counts = {name: groups * value for name, value in schedule.scheduled_counts().items()}
        counts.update({
            "complex_macs": groups * schedule.complex_macs,
            "fft_butterflies": groups * schedule.fft_butterflies,
            "ifft_butterflies": groups * schedule.ifft_butterflies,
            "input_words": groups * schedule.channels * math.prod(tiling.shape),
            "weight_words": counts["weight_writes"] + counts["bias_writes"],
        })
        energy = {}
        kind = c.pe
        counts.update(kind.array_counts(c, counts))
        for component, names, cost in kind.energy_terms(c):
            events = sum(counts[n] for n in ((names,) if isinstance(names, str) else names))
            energy[component] = _component(events, self._cost(cost), lib)
        for name, width, butterflies, frames in (
                ("fft", c.data_width, "fft_butterflies", "fft_frames"),
                ("ifft", c.spectrum_width, "ifft_butterflies", "ifft_frames")):
            butterfly, frame = self._transform_costs(width, schedule.unique_bins)
            per = butterfly * (counts[butterflies] / max(1, counts[frames])) + frame
            energy[name] = _component(counts[frames], per, lib)
        memories = c.derived()["memories"]

        def access(key):
            mem = memories[key]
            return r.memory_access(mem["width"], mem["depth"] * mem["width"])

        def buffer(key, events):
            return _component(events, access(key), lib)
        energy["fmap_buffer"] = buffer("fmap", counts["fmap_writes"] + counts["fmap_reads"])
        energy["spectrum_buffer"] = buffer("spectrum",
                                           counts["spectrum_writes"] + counts["spectrum_reads"])
        energy["output_spectrum_buffer"] = buffer(
            "output_spectrum", counts["output_spectrum_writes"] + counts["output_spectrum_reads"])
        energy["overlap_add_buffer"] = buffer("overlap_add",
                                              counts["oaa_writes"] + counts["oaa_reads"])
        energy["output_stage"] = _component(
            counts["output_pixels"],
            r.add(c.oaa_width) + access("bias"), lib)

        estimate = estimate_cycles(schedule).as_dict()
        cycles = {name: groups * value for name, value in estimate.items()}
        bound = groups * schedule.bound_cycles
        spatial = layer_counts(layer)         # its spatial counts do not depend on N
        energy_pj = sum(part["pj"] for part in energy.values())
        others = self._baselines(layer, spatial, resident) if with_baselines else {}
        tiled = None
        if tiling.whole_map:
            alternative = EnergyModel(c, lib, self.node_nm, self.strided, whole_map=False).layer(
                layer, with_baselines=False, resident=resident, fft_size=n)
            tiled = {key: alternative[key] for key in ("tile", "tiles", "energy_pj", "latency_s")}
            tiled["cycles"] = alternative["cycles"]["cycles"]
        return {
            "name": layer.name, "in_channels": layer.in_channels,
            "out_channels": layer.out_channels, "in_shape": list(layer.in_shape),
            "out_shape": list(layer.out_shape), "kernel": layer.kernel, "stride": layer.stride,
            "padding": layer.padding, "groups": groups,
            "runs_as": {"treatment": ("polyphase" if run is not layer else "decimate"
                                      if layer.stride > 1 else "as defined"),
                        "in_channels": run.in_channels, "in_shape": list(run.in_shape),
                        "kernel": run.kernel, "stride": run.stride, "padding": run.padding},
            "fft_size": n,
            "fft_sizes": None if sizes is None else [{"fft_size": size, "energy_pj": energy}
                                                     for size, energy in sizes.items()],
            "tile": tiling.tile, "tiles": tiling.tile_count, "whole_map": tiling.whole_map,
            "tiled": tiled,
            "weight_sets": groups * schedule.weight_sets, "resident": resident,
            "spatial_macs": spatial["spatial_macs"],
            "counts": counts, "cycles": cycles, "bound_cycles": bound,
            "latency_s": cycles["cycles"] / (c.clock_mhz * 1e6),
            "pe_efficiency": bound / cycles["cycles"],
            "pe_efficiency_run": bound / cycles["run_cycles"],
            "energy": energy, "energy_pj": energy_pj,
            "baselines": others,
        }

    # -- baselines ----------------------------------------------------------------------------
    def _baselines(self, layer, spatial, resident):
        """``{name: layer report}`` of the other architectures on ``layer``
        (:mod:`fdagen.model.baselines`; the digital spectral kind on the same build when this
        build's kind is another)."""
        c, r = self.config, self.rules

        def component(events, cost):
            return _component(events, cost, self.library)
        result = {"spatial_digital": baselines.spatial_digital(c, r, component, layer, spatial,
                                                               resident),
                  "spatial_reram": baselines.spatial_reram(c, r, component, layer, resident)}
        twin = digital_twin(c)
        if twin.pe is not c.pe:
            digital = EnergyModel(twin, self.library, self.node_nm, self.strided).layer(
                layer, with_baselines=False, resident=resident)
            result["spectral_digital"] = {key: digital[key] for key in (
                "energy", "energy_pj", "latency_s")}
            result["spectral_digital"]["cycles"] = digital["cycles"]["cycles"]
        return result

    # -- area ---------------------------------------------------------------------------------
    def area(self):
        """Area by component (um^2) of the build, with sources."""
        c, r, lib = self.config, self.rules, self.library

        def part(count, cost):
            entry = _component(count, cost, lib)
            return {"count": count, "um2_each": entry["pj_per_event"], "um2": entry["pj"],
                    "source": entry["source"]}
        parts = {component: part(count, self._cost(cost))
                 for component, count, cost in c.pe.area_terms(c)}
        for name, lanes, width in (("fft_lanes", c.fft_lanes, c.data_width),
                                   ("ifft_lanes", c.ifft_lanes, c.spectrum_width)):
            word = 2 * width
            lane = total([2 * c.stages * 4 * r.multiplier_area(width, c.twiddle_width),
                          2 * c.stages * 6 * r.adder_area(width + 1),
                          r.memory_area(2 * (c.fft_size - 1) * word + 2 * c.unique_bins * word)])
            parts[name] = part(lanes, lane)
        for name, mem in c.derived()["memories"].items():
            if name == "weights":
                continue
            parts[f"{name}_buffer" if name != "bias" else "bias_memory"] = part(
                mem["banks"], r.memory_area(mem["depth"] * mem["width"]))
        return {"components": parts, "total_um2": sum(p["um2"] for p in parts.values()),
                "total_mm2": sum(p["um2"] for p in parts.values()) / 1e6}

    # -- network ------------------------------------------------------------------------------
    def misfit(self, layer):
        """Why ``layer`` cannot run on this build, or None."""
        c = self.config
        if layer.kind == "fc":
            return "fully connected: not part of the accelerator"
        if layer.kind == "pool":
            return "pooling: not part of the accelerator"
        if layer.dims != c.dims:
            return f"{layer.dims}-D: this build runs {c.dims}-D layers"
        layer = runs_as(layer, self.strided)
        for what, value, limit in (
                ("input channels", layer.in_channels // layer.groups, c.max_channels),
                ("output channels", layer.out_channels // layer.groups, c.max_out_channels),
                ("padded input size", max(layer.in_shape) + 2 * layer.padding, c.max_size),
                ("kernel size", layer.kernel, c.fft_size)):
            if value > limit:
                return f"{what} {value} exceed this build's limit {limit}"
        return None

    def report(self, network, require_layers=True, resident=False):
        """The whole report (JSON-ready dict) of ``network`` on this build. A network none of
        whose layers fit is an error, or with ``require_layers`` False a report of the area
        alone (``totals`` and ``baseline`` None). With ``resident`` every layer's weights stay
        in the build (which must have the weight sets,
        :func:`network_weight_sets`): an inference loads none, and ``"weights"`` gives what
        loading them once costs."""
        c = self.config
        if resident:
            fewest = sum(self._fewest_sets(layer) for layer in _conv_layers(network)
                         if self.misfit(layer) is None)
            if fewest > c.weight_sets:
                raise ModelError(f"weight sets must be at least {fewest} to keep every weight "
                                 f"of {network.name!r} resident, not {c.weight_sets}")
        layers, not_modelled = [], []
        once = {"energy_pj": 0.0, "cycles": 0}
        for layer in network.layers:
            reason = self.misfit(layer)
            if reason is None:
                layers.append(self.layer(layer, resident=resident))
                if resident:
                    loading = self.layer(layer, with_baselines=False)
                    once["energy_pj"] += loading["energy_pj"] - layers[-1]["energy_pj"]
                    once["cycles"] += loading["cycles"]["cycles"] - \
                        layers[-1]["cycles"]["cycles"]
            else:
                not_modelled.append({"name": layer.name, "kind": layer.kind,
                                     "spatial_macs": layer_counts(layer)["spatial_macs"]
                                     if layer.kind != "pool" else 0, "reason": reason})
        sizes = {layer["name"]: layer["fft_size"] for layer in layers}
        if resident and network_weight_sets(network, c, sizes) > c.weight_sets:
            raise ModelError(f"weight sets must be at least "
                             f"{network_weight_sets(network, c, sizes)} to keep every weight "
                             f"of {network.name!r} resident, not {c.weight_sets}")
        if not layers and require_layers:
            reasons = [n["reason"] for n in not_modelled if n["kind"] == "conv"]
            raise ModelError(f"no conv layer of network {network.name!r} fits this build "
                             f"({reasons[0] if reasons else 'it has none'})")
        area = self.area()
        header = {"fdagen_version": __version__, "network": network.name,
                  "pe_kind": c.pe_kind, "node_nm": self.node_nm, "strided": self.strided,
                  "config": c.parameters(),
                  "command": c.command(), "assumptions": list(ASSUMPTIONS)}
        if not layers:
            return {**header, "layers": [], "not_modelled": not_modelled, "totals": None,
                    "energy_by_component": {}, "area": area, "baseline": None, "baselines": {},
                    "endurance": None, "weights": None,
                    "library": self._provenance(area, [])}
        energy_pj = sum(layer["energy_pj"] for layer in layers)
        cycles = sum(layer["cycles"]["cycles"] for layer in layers)
        bound = sum(layer["bound_cycles"] for layer in layers)
        spatial_macs = sum(layer["spatial_macs"] for layer in layers)
        latency = cycles / (c.clock_mhz * 1e6)
        by_component = {}
        for layer in layers:
            for name, part in layer["energy"].items():
                entry = by_component.setdefault(name, {"pj": 0.0, "source": part["source"]})
                entry["pj"] += part["pj"]
        for entry in by_component.values():
            entry["share"] = entry["pj"] / energy_pj
        others = {}
        for name, description in BASELINES.items():
            if name not in layers[0]["baselines"]:
                continue
            base_energy = sum(layer["baselines"][name]["energy_pj"] for layer in layers)
            base_cycles = sum(layer["baselines"][name]["cycles"] for layer in layers)
            others[name] = {
                "description": description,
                "energy_pj": base_energy,
                "energy_per_inference_uj": base_energy / 1e6,
                "cycles": base_cycles,
                "latency_s": base_cycles / (c.clock_mhz * 1e6),
                "tops_per_w": 2 * spatial_macs / base_energy,
                "energy_ratio": base_energy / energy_pj,
                "latency_ratio": base_cycles / cycles,
            }
        others["spatial_digital"]["multipliers"] = 2 * c.pes
        return {
            **header,
            "layers": layers,
            "not_modelled": not_modelled,
            "totals": {
                "energy_pj": energy_pj,
                "energy_per_inference_uj": energy_pj / 1e6,
                "cycles": cycles,
                "latency_s": latency,
                "inferences_per_s": 1 / latency,
                "spatial_macs": spatial_macs,
                "tops_per_w": 2 * spatial_macs / energy_pj,
                "pe_efficiency": bound / cycles,
            },
            "energy_by_component": by_component,
            "area": area,
            "baseline": others["spatial_digital"],
            "baselines": others,
            "endurance": c.pe.endurance(c, layers),
            "weights": {"resident": resident, "weight_sets": c.weight_sets,
                        "network_weight_sets": network_weight_sets(network, c, sizes),
                        "loaded_once": once if resident else None},
            "library": self._provenance(area, layers),
        }

    def _provenance(self, area, layers):
        """Every library entry behind a number of the report, with its provenance."""
        parts = [part for layer in layers for part in
                 list(layer["energy"].values()) + [
                     entry for other in layer["baselines"].values()
                     for entry in other["energy"].values()]]
        parts += list(area["components"].values())
        used = sorted({name.split(":")[0] for part in parts for name in part["source"]})
        return {name: self.library[name].provenance() for name in used}
