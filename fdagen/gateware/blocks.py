"""Where the accelerator's repeated blocks come from: inline, or as separate Verilog modules.

The accelerator instantiates the same tile FFT, tile IFFT (2-D or 3-D) and PE many times. For simulation in
Amaranth (:data:`INLINE`) each is elaborated in place. For Verilog, a :class:`BlockLibrary`
elaborates each distinct block once into its own module and file, and the top instantiates it by
name (an Amaranth ``Instance`` with the block's own port names), so ``fdagen build --pes 64``
takes seconds rather than elaborating 64 PEs and a dozen transforms one by one, and the output
has one module per block like any hand-written RTL tree.
"""

import importlib

from amaranth import ClockSignal, Instance, Module, ResetSignal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from fdagen.gateware.accel.inverse_lane import IFFTLane
from fdagen.gateware.fft.fft2d import FFT2D
from fdagen.gateware.fft.fft3d import FFT3D
from fdagen.gateware.fft.ifft2d import IFFT2D
from fdagen.gateware.fft.ifft3d import IFFT3D

__all__ = ["BlockLibrary", "INLINE", "component_class"]


def component_class(path):
    """The class a PE kind names as ``"module:Class"`` (its ``gateware`` or ``mac_stage``)."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class _Instance(wiring.Component):
    """Stands in for ``inner`` (same signature) by instantiating Verilog module ``module``."""

    def __init__(self, inner, module):
        self._module = module
        super().__init__(inner.signature)

    def elaborate(self, platform):
        m = Module()
        ports = {}
        for path, member, value in self.signature.flatten(self):
            name = "__".join(str(part) for part in path)
            ports[("i_" if member.flow == In else "o_") + name] = value
        m.submodules.block = Instance(self._module, i_clk=ClockSignal(), i_rst=ResetSignal(),
                                      **ports)
        return m


class BlockLibrary:
    """Make blocks; with ``separate=True`` remember one component per distinct block.

    ``modules`` maps each module name to the component that generates it, in first-use order.
    A block is keyed on its kind and parameters: asking for the same module name with other
    parameters is an error (it would silently reuse the wrong block).
    """

    def __init__(self, separate, prefix="fdagen"):
        self.separate, self.prefix = separate, prefix
        self.modules = {}
        #: Module names whose Verilog is a behavioural model, not for synthesis.
        self.simulation_only = set()
        self._keys = {}

    def _make(self, name, key, factory):
        if not self.separate:
            return factory()
        if name not in self.modules:
            self.modules[name] = factory()
            self._keys[name] = key
        elif self._keys[name] != key:
            raise ValueError(f"block {name} was made with {self._keys[name]}, not {key}")
        return _Instance(self.modules[name], name)

    def tile_fft(self, fmt, runtime_length, dsp="generic"):
        """The tile transform of ``fmt`` (an :class:`~fdagen.golden.fft.FFT2DFormat` or
        :class:`~fdagen.golden.fft.FFT3DFormat`, forward or inverse: :class:`FFT2D`,
        :class:`IFFT2D`, :class:`FFT3D` or :class:`IFFT3D`, module
        ``<prefix>_[i]fft<d>d<N>``) with run-time schedules (and size, with
        ``runtime_length``), its products registered as ``dsp`` says."""
        kind = f"{'i' if fmt.inverse else ''}fft{fmt.dims}d"
        block = {"fft2d": FFT2D, "ifft2d": IFFT2D, "fft3d": FFT3D, "ifft3d": IFFT3D}[kind]
        return self._make(f"{self.prefix}_{kind}{fmt.n}", (kind, fmt, runtime_length, dsp),
                          lambda: block(fmt, runtime_schedule=True,
                                        runtime_length=runtime_length, dsp=dsp))

    def ifft_lane(self, config, acc_width):
        """One lane of the inverse stage (:class:`~fdagen.gateware.accel.inverse_lane.
        IFFTLane`), the same module for every lane (its index is a port)."""
        return self._make(f"{self.prefix}_ifft_lane", ("ifft_lane", config, acc_width),
                          lambda: IFFTLane(config, acc_width, self))

    def pe(self, kind, data_width, weight_width, depth, max_terms, dsp="generic"):
        """One PE of :class:`~fdagen.arch.pe_kinds.PEKind` ``kind``: its ``gateware``
        component with these parameters (module ``<prefix>_pe_<kind>``)."""
        component = component_class(kind.require_gateware())
        args = (data_width, weight_width, depth, max_terms, dsp)
        return self._make(f"{self.prefix}_pe_{kind.name}", ("pe", kind.name, args),
                          lambda: component(*args))

    def crossbar_array(self, **parameters):
        """One bin lane's crossbars and their periphery
        (:class:`~fdagen.gateware.pe.crossbar_array.CrossbarArray`, module
        ``<prefix>_pe_reram``), its macros from this library."""
        from fdagen.gateware.pe.crossbar_array import CrossbarArray

        key = tuple(sorted(parameters.items()))
        return self._make(f"{self.prefix}_pe_reram", ("crossbar_array", key),
                          lambda: CrossbarArray(**parameters, blocks=self))

    def xbar(self, signature, frac_bits, max_attempts):
        """One crossbar macro of :class:`~fdagen.gateware.pe.xbar.XbarSignature`
        ``signature``: in place, the behavioural :class:`~fdagen.gateware.pe.xbar.XbarModel`
        with ideal cells (attempt counts for ``max_attempts``); separate, the black box
        ``<prefix>_xbar`` whose Verilog is that model for simulation only
        (:attr:`simulation_only`), to be replaced by a foundry macro with the same ports."""
        from fdagen.gateware.pe.xbar import XbarModel

        name = f"{self.prefix}_xbar"
        self.simulation_only.add(name)
        return self._make(name, ("xbar", signature, frac_bits, max_attempts),
                          lambda: XbarModel(signature, frac_bits, max_attempts=max_attempts))


#: Elaborate every block in place (Amaranth simulation).
INLINE = BlockLibrary(separate=False)
