"""Network definitions: LeNet-5 (32x32), AlexNet (227x227) and a small 3-D conv stack.

Layers carry shapes only (no weights). Sources:

* LeNet-5: LeCun et al., Proc. IEEE 86(11), 1998 (C1, S2, C3, S4, C5, F6, output), with the
  modern choices of ReLU and max pooling; C3 is fully connected across channels.
* AlexNet: Krizhevsky et al., NIPS 2012, with the 227x227 input that makes conv1 (11x11,
  stride 4) give 55x55; conv2, conv4 and conv5 use two groups as in the original two-GPU net.
* conv3d-small: a C3D-style stack (Tran et al., ICCV 2015: 3x3x3 kernels, padding 1) sized for
  tests: 3x16x32x32 input.
"""

from dataclasses import dataclass

__all__ = ["Layer", "Network", "NETWORKS", "get_network", "lenet5", "alexnet", "conv3d_small"]


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
        raise ValueError(f"network must be one of {', '.join(NETWORKS)}, not {name!r}")
    return NETWORKS[name]()
