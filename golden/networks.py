"""Network definitions: LeNet-5 (32x32), AlexNet (227x227) and a small 3-D conv stack.

Layers carry shapes only (no weights). Sources:

* LeNet-5: LeCun et al., Proc. IEEE 86(11), 1998 (C1, S2, C3, S4, C5, F6, output), with the
  modern choices of ReLU and max pooling; C3 is fully connected across channels.
* AlexNet: Krizhevsky et al., NIPS 2012, with the 227x227 input that makes conv1 (11x11,
  stride 4) give 55x55; conv2, conv4 and conv5 use two groups as in the original two-GPU net.
* conv3d-small: a C3D-style stack (Tran et al., ICCV 2015: 3x3x3 kernels, padding 1) sized for
  tests: 3x16x32x32 input.
"""

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .checks import RANGES, ParameterError

__all__ = ["Layer", "Network", "NETWORKS", "NetworkFileError", "get_network", "load_network",
           "resolve_network", "dump_network", "lenet5", "alexnet", "conv3d_small"]


@dataclass(frozen=True)
class Layer:
    """One layer. ``kind`` is ``"conv"``, ``"pool"`` or ``"fc"``.

    ``in_shape`` is the input's spatial shape (empty for fully connected layers). For pooling,
    ``kernel`` and ``stride`` are the window and step; channels pass through.
    """

    name: str
    kind: str
    in_channels: int
    out_channels: int
    in_shape: tuple = ()
    kernel: int = 1
    stride: int = 1
    padding: int = 0
    groups: int = 1
    relu: bool = True

    @property
    def dims(self):
        return len(self.in_shape)

    @property
    def out_shape(self):
        """Spatial output shape."""
        return tuple((s + 2 * self.padding - self.kernel) // self.stride + 1
                     for s in self.in_shape)


@dataclass(frozen=True)
class Network:
    name: str
    in_channels: int
    in_shape: tuple
    layers: tuple

    @property
    def conv_layers(self):
        return tuple(layer for layer in self.layers if layer.kind == "conv")


def _chain(name, in_channels, in_shape, specs):
    """Build a Network from (name, kind, out_channels, kernel, stride, padding, groups, relu)."""
    layers = []
    channels, shape = in_channels, tuple(in_shape)
    for spec_name, kind, out, kernel, stride, padding, groups, relu in specs:
        if kind == "fc":
            features = channels * _prod(shape)
            layer = Layer(spec_name, "fc", features, out, (), relu=relu)
            channels, shape = out, ()
        else:
            out = channels if kind == "pool" else out
            layer = Layer(spec_name, kind, channels, out, shape, kernel, stride, padding, groups,
                          relu)
            channels, shape = out, layer.out_shape
        layers.append(layer)
    return Network(name, in_channels, tuple(in_shape), tuple(layers))


def _prod(shape):
    result = 1
    for s in shape:
        result *= s
    return result


def lenet5():
    return _chain("lenet5", 1, (32, 32), [
        ("C1", "conv", 6, 5, 1, 0, 1, True),
        ("S2", "pool", 0, 2, 2, 0, 1, False),
        ("C3", "conv", 16, 5, 1, 0, 1, True),
        ("S4", "pool", 0, 2, 2, 0, 1, False),
        ("C5", "conv", 120, 5, 1, 0, 1, True),
        ("F6", "fc", 84, 0, 0, 0, 1, True),
        ("OUT", "fc", 10, 0, 0, 0, 1, False),
    ])


def alexnet():
    return _chain("alexnet", 3, (227, 227), [
        ("conv1", "conv", 96, 11, 4, 0, 1, True),
        ("pool1", "pool", 0, 3, 2, 0, 1, False),
        ("conv2", "conv", 256, 5, 1, 2, 2, True),
        ("pool2", "pool", 0, 3, 2, 0, 1, False),
        ("conv3", "conv", 384, 3, 1, 1, 1, True),
        ("conv4", "conv", 384, 3, 1, 1, 2, True),
        ("conv5", "conv", 256, 3, 1, 1, 2, True),
        ("pool5", "pool", 0, 3, 2, 0, 1, False),
        ("fc6", "fc", 4096, 0, 0, 0, 1, True),
        ("fc7", "fc", 4096, 0, 0, 0, 1, True),
        ("fc8", "fc", 1000, 0, 0, 0, 1, False),
    ])


def conv3d_small():
    return _chain("conv3d-small", 3, (16, 32, 32), [
        ("conv1", "conv", 16, 3, 1, 1, 1, True),
        ("pool1", "pool", 0, 2, 2, 0, 1, False),
        ("conv2", "conv", 32, 3, 1, 1, 1, True),
        ("pool2", "pool", 0, 2, 2, 0, 1, False),
        ("conv3", "conv", 64, 3, 1, 1, 1, True),
    ])


NETWORKS = {"lenet5": lenet5, "alexnet": alexnet, "conv3d-small": conv3d_small}


def get_network(name):
    """Return the built-in network ``name``."""
    if name not in NETWORKS:
        raise ParameterError(f"network must be one of {', '.join(NETWORKS)}, not {name!r}")
    return NETWORKS[name]()


class NetworkFileError(ParameterError):
    """A network description file is missing, malformed or describes an impossible network."""


_LAYER_KEYS = {"name", "kind", "out_channels", "kernel", "stride", "padding", "groups", "relu"}
_KINDS = ("conv", "pool", "fc")


#: Largest channel count and input extent a network file may give (the accelerator's and the
#: golden model's ranges, :data:`fdagen.golden.checks.RANGES`).
_CHANNELS = RANGES["channels"].high
_SIZE = RANGES["padded input size"].high


def _file_int(where, key, value, low, high=1 << 20):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise NetworkFileError(f"{where}: {key} must be an integer between {low} and {high}, "
                               f"not {value!r}")
    return value


def load_network(path):
    """A :class:`Network` from a TOML or JSON file (by suffix).

    Top-level keys ``name`` (optional, default the file's stem), ``in_channels``, ``in_shape``
    (a list of 1 to 3 sizes) and ``layers``, a list of tables with ``kind`` (``conv``,
    ``pool`` or ``fc``), ``name`` and, as they apply, ``out_channels`` (conv, fc), ``kernel``,
    ``stride`` (default 1), ``padding`` (default 0), ``groups`` (default 1), ``relu`` (default
    true for conv and fc). Shapes chain from layer to layer as in the built-in networks. Any
    problem raises :class:`NetworkFileError` naming the file, the layer and the legal values.
    """
    path = Path(path)
    where = str(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise NetworkFileError(f"network file {where!r} does not exist") from None
    except OSError as error:
        raise NetworkFileError(f"network file {where!r} cannot be read ({error})") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            doc = tomllib.loads(text.decode())
        elif suffix == ".json":
            doc = json.loads(text)
        else:
            raise NetworkFileError(f"network file {where!r} must end in .toml or .json, "
                                   f"not {suffix or 'no suffix'!r}")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise NetworkFileError(f"network file {where!r} must be valid {suffix[1:].upper()} "
                               f"({error})") from None
    if not isinstance(doc, dict):
        raise NetworkFileError(f"{where}: must hold a table with in_channels, in_shape and "
                               f"layers, not {type(doc).__name__}")
    unknown = sorted(set(doc) - {"name", "in_channels", "in_shape", "layers"})
    if unknown:
        raise NetworkFileError(f"{where}: key {unknown[0]!r} must be one of name, in_channels, "
                               f"in_shape, layers")
    for key in ("in_channels", "in_shape", "layers"):
        if key not in doc:
            raise NetworkFileError(f"{where}: must give {key}")
    name = doc.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise NetworkFileError(f"{where}: name must be a non-empty string, not {name!r}")
    channels = _file_int(where, "in_channels", doc["in_channels"], 1, _CHANNELS)
    shape = doc["in_shape"]
    if not isinstance(shape, list) or not 1 <= len(shape) <= 3:
        raise NetworkFileError(f"{where}: in_shape must be a list of 1 to 3 sizes, not "
                               f"{shape!r}")
    shape = tuple(_file_int(where, "in_shape entry", s, 1, _SIZE) for s in shape)
    specs = doc["layers"]
    if not isinstance(specs, list) or not specs:
        raise NetworkFileError(f"{where}: layers must be a non-empty list of tables")
    layers, names = [], set()
    for index, spec in enumerate(specs, 1):
        at = f"{where}: layer {index}"
        if not isinstance(spec, dict):
            raise NetworkFileError(f"{at} must be a table, not {type(spec).__name__}")
        unknown = sorted(set(spec) - _LAYER_KEYS)
        if unknown:
            raise NetworkFileError(f"{at}: key {unknown[0]!r} must be one of "
                                   f"{', '.join(sorted(_LAYER_KEYS))}")
        kind = spec.get("kind")
        if kind not in _KINDS:
            raise NetworkFileError(f"{at}: kind must be one of {', '.join(_KINDS)}, not "
                                   f"{kind!r}")
        layer_name = spec.get("name", f"{kind}{index}")
        if not isinstance(layer_name, str) or not layer_name or layer_name in names:
            raise NetworkFileError(f"{at}: name must be a non-empty string used once, not "
                                   f"{layer_name!r}")
        names.add(layer_name)
        at = f"{where}: layer {index} ({layer_name!r})"
        relu = spec.get("relu", kind != "pool")
        if not isinstance(relu, bool):
            raise NetworkFileError(f"{at}: relu must be true or false, not {relu!r}")
        if kind == "fc":
            extra = sorted(set(spec) & {"kernel", "stride", "padding", "groups"})
            if extra:
                raise NetworkFileError(f"{at}: {extra[0]} does not apply to an fc layer")
            out = _file_int(at, "out_channels", spec.get("out_channels"), 1)
            layer = Layer(layer_name, "fc", channels * _prod(shape), out, (), relu=relu)
            channels, shape = out, ()
            layers.append(layer)
            continue
        if not shape:
            raise NetworkFileError(f"{at}: a {kind} layer must come before any fc layer")
        padding = _file_int(at, "padding", spec.get("padding", 0), 0, 64)
        kernel = _file_int(at, "kernel", spec.get("kernel"), 1, min(shape) + 2 * padding)
        stride = _file_int(at, "stride", spec.get("stride", 1), 1, 64)
        if kind == "pool":
            if "out_channels" in spec or "groups" in spec:
                raise NetworkFileError(f"{at}: a pool layer keeps its channels; out_channels "
                                       f"and groups do not apply")
            layer = Layer(layer_name, "pool", channels, channels, shape, kernel, stride,
                          padding, 1, relu)
        else:
            out = _file_int(at, "out_channels", spec.get("out_channels"), 1, _CHANNELS)
            groups = _file_int(at, "groups", spec.get("groups", 1), 1, channels)
            if channels % groups or out % groups:
                raise NetworkFileError(f"{at}: groups must divide the input channels "
                                       f"{channels} and out_channels {out}, not {groups}")
            layer = Layer(layer_name, "conv", channels, out, shape, kernel, stride, padding,
                          groups, relu)
        channels, shape = layer.out_channels, layer.out_shape
        layers.append(layer)
    return Network(name, doc["in_channels"], tuple(doc["in_shape"]), tuple(layers))


def dump_network(network, comment=None):
    """The TOML text of a network file that :func:`load_network` reads back as ``network``
    (every layer's name, kind and, as they apply, out_channels, kernel, stride, padding,
    groups and relu written out); ``comment`` lines (a string) head the file as ``#`` lines."""
    lines = [f"# {line}".rstrip() for line in (comment or "").splitlines()]
    lines += [f"name = {json.dumps(network.name)}", f"in_channels = {network.in_channels}",
              f"in_shape = [{', '.join(str(s) for s in network.in_shape)}]"]
    for layer in network.layers:
        lines += ["", "[[layers]]", f"name = {json.dumps(layer.name)}",
                  f'kind = "{layer.kind}"']
        if layer.kind != "pool":
            lines.append(f"out_channels = {layer.out_channels}")
        if layer.kind != "fc":
            lines += [f"kernel = {layer.kernel}", f"stride = {layer.stride}",
                      f"padding = {layer.padding}"]
        if layer.kind == "conv":
            lines.append(f"groups = {layer.groups}")
        lines.append(f"relu = {'true' if layer.relu else 'false'}")
    return "\n".join(lines) + "\n"


def resolve_network(spec):
    """A built-in network by name, or a network file by path (``.toml`` / ``.json``)."""
    if spec in NETWORKS:
        return NETWORKS[spec]()
    if str(spec).lower().endswith((".toml", ".json")) or Path(spec).exists():
        return load_network(spec)
    raise NetworkFileError(f"network must be one of {', '.join(NETWORKS)} or a .toml/.json "
                           f"file, not {spec!r}")
