"""Build-time configuration of the accelerator (what ``fdagen build --pes P`` generates).

Every knob of the generated top is a field of :class:`AcceleratorConfig`; the derived sizes
(lanes, memory depths, widths) are properties, so the RTL, the manifest, the host-side
descriptor packer and the cycle model all read them from one place.

Array geometry
--------------
The ``P`` PEs form ``bin_lanes`` (``L``) bin lanes times ``J = P / L`` output-channel slots;
PE ``p = j * L + l``. Each array operation feeds lane ``l`` the input-spectrum value of bin
``k = step * L + l`` of one input channel (broadcast to the lane's ``J`` PEs: reuse across output
channels), and PE ``(l, j)`` multiplies it by its weight of output channel ``m = g * J + j``. A
layer with ``M`` output channels takes ``G = ceil(M / J)`` channel groups; each group sweeps the
``U / L`` bin steps, each step ``C`` operations of two cycles. With ``M < P``, ``L > 1`` keeps the
PEs busy on several bins at once.

Forward FFT lanes (``fft_lanes``) take whole tiles in turn (tile ``t`` on lane ``t mod LF``), so a
one-channel layer still gains from them. The input-spectrum buffer keeps ``spectrum_tiles`` tiles'
spectra: a layer runs in blocks of that many tiles, every output-channel group over a block
before the next block (:mod:`fdagen.gateware.accel.tile_loop`), so the groups re-read the spectra
instead of recomputing them. Inverse FFT lanes (``ifft_lanes``) take output-channel
slots (slot ``j`` on lane ``j mod LI``), each with its own overlap-add bank, so lanes never
collide; an output channel's overlap-add window keeps ``2 N`` rows (a tile row, its seam and
the band the drain reads) rather than the whole plane (:attr:`AcceleratorConfig.oaa_rows`).
The defaults rate-match LeNet-5-like layers (see ``bench/accelerator.py``).
"""

import math
from dataclasses import dataclass, field, fields

from fdagen.golden.checks import ParameterError, check_int, check_range
from fdagen.golden.fft import FFT2DFormat, FFT3DFormat, check_fft_size
from fdagen.golden.fixedpoint import check_rounding
from fdagen.arch.dsp import check_dsp
from fdagen.arch.fields import WORD_BITS
from fdagen.arch.geometry import GENERATED_DIMS, TileGeometry
from fdagen.arch.pe_kinds import PE_KINDS, pe_kind

__all__ = ["AcceleratorConfig", "default_bin_lanes", "flag"]

#: The accelerator's 2-D blocks hold 2 N (N/2 + 1)-word transposes; 64 keeps a lane small.
MAX_ACCELERATOR_FFT_SIZE = 64

#: A 3-D build's blocks hold 2 N N (N/2 + 1)-word depth transposes: 34816 words at 32.
MAX_ACCELERATOR_FFT_SIZE_3D = 32

#: Deepest single memory the generator elaborates. Amaranth keeps one initial word per RAM word
#: while it builds the netlist: measured here, a 67 M-word feature-map buffer took 25 s and
#: 3.2 GB (about 48 bytes a word), so 2^24 words stay under a gigabyte and ten seconds.
MAX_MEMORY_WORDS = 1 << 24

#: Most weight sets a build may hold (the descriptor's ``weight_base`` is a 16-bit field).
MAX_WEIGHT_SETS = 1 << 16

#: Most RAM bits one build may hold (1 Gibit), far beyond what any FPGA carries on chip.
MAX_MEMORY_BITS = 1 << 30


#: ``{field: (kinds that take it)}`` of the PE kinds' own configuration fields.
KIND_FIELDS = {}
for _kind in PE_KINDS.values():
    for _name in _kind.config_fields:
        KIND_FIELDS[_name] = KIND_FIELDS.get(_name, ()) + (_kind.name,)


def default_bin_lanes(pes, fft_size):
    """Largest power of two ``<= max(1, P // 16)`` that divides ``P`` and ``N``."""
    lanes = 1
    while lanes * 2 <= max(1, pes // 16) and pes % (lanes * 2) == 0 and lanes * 2 <= fft_size:
        lanes *= 2
    return lanes


def _knob(default, meaning, metavar, default_text=None):
    """A configuration field: its default and its flag's help (``meaning``, ``metavar``, and how
    a ``None`` default is derived)."""
    return field(default=default, metadata={"meaning": meaning, "metavar": metavar,
                                            "default_text": default_text})


def flag(name):
    """The command-line flag of configuration field ``name`` (``clock_mhz`` is ``--clock``)."""
    return "--clock" if name == "clock_mhz" else "--" + name.replace("_", "-")


def _pow2_at_least(value):
    return 1 << max(0, (value - 1).bit_length())


@dataclass(frozen=True)
class AcceleratorConfig:
    """One accelerator configuration. ``None`` lane counts take the defaults.

    Members
    -------
    pes : int
        Processing elements ``P`` (any value from 1).
    fft_size : int
        ``N`` of every tile transform (a power of two, 4..64).
    data_width, twiddle_width, weight_width, spectrum_width, bias_width : int
        As :class:`fdagen.golden.pipeline.FixedFormat`; the FFT keeps ``data_width`` words.
    rounding : str
        ``truncate``, ``half_up`` or ``convergent`` at every place that drops bits.
    bin_lanes : int or None
        ``L``: a power of two dividing ``P`` and ``N``; default :func:`default_bin_lanes`.
    fft_lanes, ifft_lanes : int or None
        Forward/inverse 2-D transform lanes; defaults ``L`` and ``min(J, 2 L + 1)``.
    max_channels, max_out_channels : int
        Largest ``C`` and ``M`` a layer may have (size the weight and buffer memories).
    max_size : int
        Largest padded input extent ``H + 2p`` (and ``W + 2p``).
    weight_sets : int or None
        Weight sets per bin lane (``U/L`` per output-channel group).
    spectrum_tiles : int or None
        Tiles whose input spectra the buffer keeps (a multiple of ``LF``): the block size.
    weight_beat_words : int
        ``W``: spectral weights per weights-stream beat (``W`` consecutive output channels).
    pixel_beat_words : int
        ``V``: input pixels per pixels-stream beat (``V`` consecutive pixels of a row), and
        per feature-map buffer word.
    clock_mhz : float
        Target clock for the constraint files.
    pe_kind : str
        A registered :mod:`PE kind <fdagen.arch.pe_kinds>` (default ``digital``); ``pe``
        is the kind itself.
    dims : int
        Spatial dimensions of the layers, 2 or 3.
    dsp : str
        Where the multipliers register their products (:data:`fdagen.arch.dsp.DSP_KINDS`):
        ``generic`` fabric registers, or ``ecp5``, the MULT18X18D blocks' output registers (the
        digital PEs' two products, each of at most 18 x 18 bits, and the tile transforms'
        stages whose operands fit; same cycles and bits). Left out of :meth:`parameters`
        and :meth:`command` when ``generic``, so generic builds keep their hash.
    """

    # Each field's metadata is its command-line flag's help and metavar (fdagen.cli.build); the
    # default stated here is the only one.
    pes: int = _knob(64, "processing elements", "P")
    fft_size: int = _knob(8, "FFT size N, a power of two in 4..64", "N")
    data_width: int = _knob(16, "pixel and FFT words", "BITS")
    twiddle_width: int = _knob(16, "twiddles", "BITS")
    weight_width: int = _knob(16, "spectral weight parts", "BITS")
    spectrum_width: int = _knob(16, "requantized spectrum, the IFFT input", "BITS")
    bias_width: int = _knob(32, "bias codes", "BITS")
    rounding: str = _knob("convergent", "rounding wherever bits drop", None)
    bin_lanes: int = _knob(None, "bins per array operation, a power of two dividing P and N",
                           "L", "from P")
    fft_lanes: int = _knob(None, "2-D FFT lanes", "LF", "L")
    ifft_lanes: int = _knob(None, "2-D IFFT lanes", "LI", "min(P/L, 2L + 1)")
    max_channels: int = _knob(16, "largest C", "C")
    max_out_channels: int = _knob(16, "largest M", "M")
    max_size: int = _knob(32, "largest padded input height and width", "S")
    weight_sets: int = _knob(None, "weight sets per bin lane, U/L per output-channel group "
                             "buffer: a layer with more groups than buffers streams them in "
                             "turn; more than one layer's keep several layers' weights "
                             "resident", "S", "the PE kind's: two groups for digital PEs, "
                             "every group of the largest layer for crossbars")
    spectrum_tiles: int = _knob(None, "tiles whose input spectra the buffer keeps (a multiple "
                                "of the FFT lanes): a layer runs in blocks of this many tiles, "
                                "every output-channel group over a block before the next",
                                "TILES", "a K = 3 layer's tiles at the largest size")
    weight_beat_words: int = _knob(1, "spectral weights per weights-stream beat, for that many "
                                   "consecutive output channels (a power of two dividing P/L)",
                                   "W")
    pixel_beat_words: int = _knob(1, "input pixels per pixels-stream beat, consecutive in a "
                                  "row (a power of two, at most 8 and the buffer's row pitch)",
                                  "V")
    clock_mhz: float = _knob(100.0, "target clock for the constraints", "MHZ")
    pe_kind: str = _knob("digital", "PE kind", None)
    dims: int = _knob(2, "spatial dimensions of the layers: 2 (images) or 3 (volumes: video, "
                      "C3D-style layers)", "D")
    dsp: str = _knob("generic", "where the multipliers register their products: generic "
                     "(fabric registers, portable Verilog) or ecp5 (the output registers of the "
                     "Lattice ECP5 MULT18X18D blocks, for the digital PEs and the tile "
                     "transforms; the build adds the primitive's simulation model)", None)
    # The PE kinds' own knobs (PEKind.config_fields): only the build's kind may set them.
    xbar_rows: int = _knob(128, "crossbar rows R: input channels per analog column sum (reram)",
                           "R")
    cell_bits: int = _knob(2, "bits per ReRAM cell (reram)", "BITS")
    dac_bits: int = _knob(1, "bits per row DAC conversion, the input slice (reram)", "BITS")
    adc_bits: int = _knob(None, "ADC resolution (reram)", "BITS", "full resolution for R rows")
    adc_share: int = _knob(8, "crossbar columns per ADC, through its mux (reram)", "COLUMNS")
    max_attempts: int = _knob(8, "write-verify pulses per cell before it counts as failed "
                              "(reram)", "N")

    def __post_init__(self):
        check_range("PE count", self.pes)
        check_fft_size("FFT size", self.fft_size, 4, MAX_ACCELERATOR_FFT_SIZE)
        for name in ("data", "twiddle", "weight", "spectrum"):
            check_range("accelerator word width", getattr(self, f"{name}_width"),
                        f"{name} width")
        check_range("bias width", self.bias_width)
        check_rounding("rounding", self.rounding)
        check_range("channels", self.max_channels, "max channels")
        check_range("channels", self.max_out_channels, "max output channels")
        check_range("padded input size", self.max_size, "max padded input size")
        if isinstance(self.clock_mhz, bool) or not isinstance(self.clock_mhz, (int, float)) \
                or not 1 <= self.clock_mhz <= 1000:
            raise ParameterError(f"clock must be between 1 and 1000 MHz, not {self.clock_mhz!r}")
        if self.bin_lanes is None:
            object.__setattr__(self, "bin_lanes", default_bin_lanes(self.pes, self.fft_size))
        lanes = check_int("bin lanes", self.bin_lanes, 1, self.fft_size)
        if lanes & (lanes - 1) or self.pes % lanes or self.fft_size % lanes:
            raise ParameterError(f"bin lanes must be a power of two dividing the PE count "
                                 f"{self.pes} and the FFT size {self.fft_size}, not {lanes}")
        if self.fft_lanes is None:
            object.__setattr__(self, "fft_lanes", self.bin_lanes)
        check_range("FFT lanes", self.fft_lanes)
        if self.ifft_lanes is None:
            object.__setattr__(self, "ifft_lanes", min(self.slots, 2 * self.bin_lanes + 1))
        check_int("IFFT lanes", self.ifft_lanes, 1, self.slots)
        kind = pe_kind(self.pe_kind)
        if self.weight_sets is None:
            object.__setattr__(self, "weight_sets",
                               kind.default_weight_groups(self) * self.bin_steps)
        check_int(f"weight sets (at least U/L = {self.bin_steps}, one output-channel group)",
                  self.weight_sets, self.bin_steps, MAX_WEIGHT_SETS)
        words = check_int("weight beat words", self.weight_beat_words, 1, self.slots)
        if words & (words - 1) or self.slots % words:
            raise ParameterError(f"weight beat words must be a power of two dividing the "
                                 f"output-channel slots {self.slots}, not {words}")
        pixels = check_int("pixel beat words", self.pixel_beat_words, 1, 8)
        if pixels & (pixels - 1) or pixels > self.fmap_pitch:
            raise ParameterError(f"pixel beat words must be a power of two at most 8 and the "
                                 f"feature-map row pitch {self.fmap_pitch}, not {pixels}")
        if self.spectrum_tiles is None:
            object.__setattr__(self, "spectrum_tiles", self._default_spectrum_tiles())
        check_int("spectrum tiles", self.spectrum_tiles, self.fft_lanes, MAX_MEMORY_WORDS)
        if self.spectrum_tiles % self.fft_lanes:
            raise ParameterError(f"spectrum tiles must be a multiple of the FFT lanes "
                                 f"{self.fft_lanes}, not {self.spectrum_tiles}")
        defaults = {f.name: f.default for f in fields(self)}
        for name in KIND_FIELDS:
            if name not in kind.config_fields and getattr(self, name) != defaults[name]:
                raise ParameterError(f"{flag(name)} must be left at its default for PE kind "
                                     f"{kind.name!r} (it sets PE kind "
                                     f"{' or '.join(KIND_FIELDS[name])}), not "
                                     f"{getattr(self, name)!r}")
        check_dsp(self.dsp)
        kind.check_config(self)
        TileGeometry(self.dims, self.fft_size)
        if self.dims == 3:
            check_fft_size("FFT size of a 3-D build", self.fft_size, 4,
                           MAX_ACCELERATOR_FFT_SIZE_3D)
        if self.accumulator_width > 62:
            raise ParameterError(f"accumulator width must be at most 62 bits, not "
                                 f"{self.accumulator_width}")

    def _default_spectrum_tiles(self):
        """Tiles of a ``K = 3`` layer at the largest padded size (``T = N - 2``), rounded up
        to a multiple of the FFT lanes and at least two per lane."""
        per_axis = -(-(self.max_size - 2) // (self.fft_size - 2))
        tiles = max(2 * self.fft_lanes, per_axis ** self.dims)
        return -(-tiles // self.fft_lanes) * self.fft_lanes

    # -- geometry ------------------------------------------------------------------------------
    @property
    def slots(self):
        """``J``: output-channel slots (PEs per bin lane)."""
        return self.pes // self.bin_lanes

    @property
    def geometry(self):
        """The :class:`~fdagen.arch.geometry.TileGeometry` of the build's tiles."""
        return TileGeometry(self.dims, self.fft_size)

    @property
    def unique_bins(self):
        """``U = N^(dims-1) (N/2 + 1)``: ``N (N/2 + 1)`` for 2-D."""
        return self.geometry.unique_bins

    @property
    def bin_steps(self):
        """``U / L``: array operations per input channel and channel group (at the build's
        ``N``; a layer at a smaller one takes fewer)."""
        return self.unique_bins // self.bin_lanes

    @property
    def layer_fft_sizes(self):
        """The FFT sizes a layer may select, smallest first: powers of two from
        ``max(4, L)`` (the 2-D transforms' smallest, and ``L`` bins a step) to the build's
        ``N``."""
        smallest = max(4, self.bin_lanes)
        return tuple(1 << b for b in range(smallest.bit_length() - 1, self.stages + 1))

    @property
    def runtime_fft_size(self):
        """A layer may select among more than one FFT size: the transforms take their size at
        run time (:attr:`layer_fft_sizes`)."""
        return len(self.layer_fft_sizes) > 1

    @property
    def max_groups(self):
        """Most output-channel groups ``G = ceil(M / J)``."""
        return -(-self.max_out_channels // self.slots)

    @property
    def slots_per_ifft_lane(self):
        return -(-self.slots // self.ifft_lanes)

    @property
    def stages(self):
        return self.fft_size.bit_length() - 1

    @property
    def pe(self):
        """The :class:`~fdagen.arch.pe_kinds.PEKind` of the array."""
        return pe_kind(self.pe_kind)

    @property
    def issue_interval(self):
        """Clocks per array operation (the PE kind's)."""
        return self.pe.issue_interval(self)

    @property
    def max_tiles(self):
        """Most tiles ``B_t`` a layer has: ``max_size`` per axis (a padded extent is at most
        ``max_size`` and a tile at least one pixel)."""
        return self.max_size ** self.dims

    # -- widths --------------------------------------------------------------------------------
    @property
    def count_width(self):
        """Bits of a layer's walk counts: tiles, passes ``B_t G``, groups streamed over the
        tile blocks, and a tile index that runs past the last tile to its block's end. All
        ones is larger than any of them (the RTL's "no limit"). At most 32, the descriptor's
        word's bits."""
        bound = self.max_tiles * self.max_groups + self.spectrum_tiles
        return min(WORD_BITS, bound.bit_length())

    @property
    def accumulator_width(self):
        return self.pe.accumulator_width(self)

    @property
    def oaa_width(self):
        """Overlap-add words: the IFFT output plus the worst case of N overlaps per axis (T = 1),
        ``log2 N`` bits for each of the ``dims`` axes."""
        return self.spectrum_width + self.dims * self.stages

    @property
    def weight_beat_width(self):
        """Bits of a weights-stream beat: ``W`` spectral weights (re, im each) or a bias."""
        return max(2 * self.weight_width * self.weight_beat_words, self.bias_width)

    def forward_format(self):
        """Widths of the forward tile FFT, 2-D or 3-D (its schedules come from each layer's
        descriptor)."""
        return self._format(self.data_width, inverse=False)

    def inverse_format(self):
        """Widths of the inverse tile FFT, 2-D or 3-D."""
        return self._format(self.spectrum_width, inverse=True)

    def _format(self, width, inverse):
        fmt = FFT3DFormat if self.dims == 3 else FFT2DFormat
        return fmt(self.fft_size, width, self.twiddle_width, *("per_stage",) * self.dims,
                   rounding=self.rounding, inverse=inverse)

    # -- memories ------------------------------------------------------------------------------
    @property
    def fmap_pitch(self):
        """Row pitch of the input feature-map buffer (a power of two >= ``max_size``)."""
        return _pow2_at_least(self.max_size)

    @property
    def fmap_channel_stride(self):
        """Pixel positions per input channel: ``max_size^(dims-1) * pitch`` (a multiple of
        ``pixel_beat_words``: the buffer's words per channel are this over it)."""
        return self.geometry.plane_words(self.max_size, self.fmap_pitch)

    @property
    def fmap_pixels(self):
        """Pixel positions of the input feature-map buffer: ``max_channels`` planes."""
        return self.max_channels * self.fmap_channel_stride

    @property
    def fmap_depth(self):
        """Words of the input feature-map buffer, ``pixel_beat_words`` pixels each."""
        return self.fmap_pixels // self.pixel_beat_words

    @property
    def spectrum_slots(self):
        """Tile slots of each FFT lane's spectrum banks: ``spectrum_tiles / LF``."""
        return self.spectrum_tiles // self.fft_lanes

    @property
    def spectrum_depth(self):
        """Words per (FFT lane, bin lane) bank: its tile slots of ``C_max`` channels."""
        return self.spectrum_slots * self.max_channels * self.bin_steps

    @property
    def weight_groups(self):
        """Output-channel group buffers: ``weight_sets // (U/L)``."""
        return self.weight_sets // self.bin_steps

    @property
    def weight_depth(self):
        """Weight words per PE: ``weight_sets * C_max``."""
        return self.weight_sets * self.max_channels

    @property
    def output_spectrum_depth(self):
        """Accumulated-spectrum words per PE: two passes (a tile's one group) of ``U/L``."""
        return 2 * self.bin_steps

    @property
    def oaa_extent(self):
        """Positions of one output channel's overlap-add window along each axis but the first:
        ``max_size + N - 1`` (a whole padded row and its last tile's reach)."""
        return self.max_size + self.fft_size - 1

    @property
    def oaa_rows(self):
        """Rows (first-axis positions) of one output channel's overlap-add **ring**: ``2 N``
        when that is fewer than :attr:`oaa_extent`, else the whole extent. A tile row ``ty``
        writes rows ``[ty T, ty T + N)``; the rows below ``(ty + 1) T`` are then final (a band,
        which the drain reads) and the ``N - T`` above carry the seam into the next tile row,
        so a band waiting for the drain, the seam and the next tile row's ``N`` rows take
        ``T + N <= 2 N`` rows at most. Row ``r`` is at ring row ``r mod 2 N`` (the low bits:
        no divider); with the whole extent no row wraps."""
        return min(2 * self.fft_size, self.oaa_extent)

    @property
    def oaa_ring(self):
        """The overlap-add rows wrap (:attr:`oaa_rows` is less than the extent): a tile row
        may then start only once the drain has read the band two rows back."""
        return self.oaa_rows < self.oaa_extent

    @property
    def oaa_pitch(self):
        """Row pitch of an overlap-add window: the extent itself, so that no word is unused (the
        addresses multiply by it as shifted additions; a power of two would leave up to half
        of the buffer, its largest memory, empty)."""
        return self.oaa_extent

    @property
    def oaa_channel_stride(self):
        """Words per output channel's overlap-add ring: ``oaa_rows * extent^(dims-2) *
        pitch``."""
        return self.oaa_rows * self.geometry.plane_words(self.oaa_extent, self.oaa_pitch) \
            // self.oaa_extent

    @property
    def oaa_banks(self):
        """Overlap-add banks per IFFT lane: two (even and odd output-channel groups) when a
        layer can have more than one group, so that the drain reads a final group's planes
        while the lane adds the next group's into the other bank."""
        return min(2, self.max_groups)

    @property
    def oaa_depth(self):
        """Words per overlap-add bank: the rings of the lane's output channels of every
        ``oaa_banks``-th group."""
        return -(-self.max_groups // self.oaa_banks) * self.slots_per_ifft_lane \
            * self.oaa_channel_stride

    def memory_bits(self):
        """``{memory: bits}`` of every buffer (all banks), from :meth:`derived`."""
        return {name: m["banks"] * m["depth"] * m["width"]
                for name, m in self.derived()["memories"].items()}

    def check_generable(self):
        """Refuse, before any elaboration, a configuration whose memories the generator cannot
        build in reasonable time and memory (:data:`MAX_MEMORY_WORDS` per memory,
        :data:`MAX_MEMORY_BITS` in all), naming the memory, its size and the limit, and a PE
        kind that has no gateware. The cost model has no such limits (it sizes memories for
        any network and rates modelled kinds)."""
        if self.dims not in GENERATED_DIMS:
            raise ParameterError(f"spatial dimensions must be "
                                 f"{' or '.join(map(str, GENERATED_DIMS))} to generate, not "
                                 f"{self.dims}")
        self.pe.require_gateware()
        self.pe.check_generable(self)
        hint = "lower --max-channels, --max-out-channels, --max-size or --weight-sets"
        for name, m in self.derived()["memories"].items():
            if m["depth"] > MAX_MEMORY_WORDS:
                raise ParameterError(
                    f"{name} memory depth must be at most {MAX_MEMORY_WORDS} words to generate, "
                    f"not {m['depth']} ({hint})")
        total = sum(self.memory_bits().values())
        if total > MAX_MEMORY_BITS:
            raise ParameterError(
                f"total memory must be at most {MAX_MEMORY_BITS} bits to generate, not {total} "
                f"({hint})")

    # -- reporting -----------------------------------------------------------------------------
    @property
    def top(self):
        return f"fdagen_accel_p{self.pes}_n{self.fft_size}"

    def _fields(self):
        """The fields that configure this build: every field but other PE kinds' knobs (and
        ``dsp`` when generic: builds from before it existed keep their hash)."""
        return [f for f in fields(self) if (f.name not in KIND_FIELDS
                                            or f.name in self.pe.config_fields)
                and (f.name != "dsp" or self.dsp != "generic")]

    def parameters(self):
        """Given and defaulted parameters, as a JSON-ready dict (canonical field order; other
        PE kinds' knobs left out)."""
        return {f.name: getattr(self, f.name) for f in self._fields()}

    def derived(self):
        return {
            **self.pe.derived(self),
            "slots": self.slots, "unique_bins": self.unique_bins, "bin_steps": self.bin_steps,
            "layer_fft_sizes": list(self.layer_fft_sizes),
            "max_groups": self.max_groups, "accumulator_width": self.accumulator_width,
            "oaa_width": self.oaa_width, "oaa_rows": self.oaa_rows,
            "weight_beat_width": self.weight_beat_width,
            "pixel_beat_width": self.data_width * self.pixel_beat_words,
            "memories": {
                "fmap": {"banks": 1, "read_ports": self.fft_lanes, "depth": self.fmap_depth,
                         "width": self.data_width * self.pixel_beat_words},
                "spectrum": {"banks": self.fft_lanes * self.bin_lanes,
                             "depth": self.spectrum_depth, "width": 2 * self.data_width},
                **self.pe.memories(self),
                "output_spectrum": {"banks": self.pes, "depth": self.output_spectrum_depth,
                                    "width": 2 * self.accumulator_width},
                "overlap_add": {"banks": self.ifft_lanes * self.oaa_banks,
                                "depth": self.oaa_depth,
                                "width": self.oaa_width},
                # the running layer's biases and the next layer's, which load while it drains
                "bias": {"banks": 1, "depth": 2 * self.max_out_channels,
                         "width": self.bias_width},
            },
        }

    def command(self, minimal=False):
        """The canonical ``fdagen build`` command line for this configuration: every field, or
        with ``minimal`` ``--pes`` and the fields that differ from their default (lane counts
        and weight sets: from what the other fields derive), which builds the same
        configuration."""
        values = {f.name: getattr(self, f.name) for f in self._fields()}
        if minimal:
            defaults = {f.name: f.default for f in fields(self)}
            derived = ("bin_lanes", "fft_lanes", "ifft_lanes", "weight_sets", "spectrum_tiles")
            kept = {k: v for k, v in values.items()
                    if k == "pes" or (k not in derived and v != defaults[k])}
            for name in derived:
                if getattr(AcceleratorConfig(**kept), name) != values[name]:
                    kept[name] = values[name]
            values = {k: v for k, v in values.items() if k in kept}
        return " ".join(["fdagen build"] + [f"{flag(k)} {v:g}" if isinstance(v, float)
                                            else f"{flag(k)} {v}" for k, v in values.items()
                                            if v is not None])

    @staticmethod
    def log2(value):
        return int(math.log2(value))
