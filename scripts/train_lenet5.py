"""Train LeNet-5 on scikit-learn's digits (upscaled to 32x32) and write the golden weights file.

    .venv/bin/pip install -e ".[train]"
    .venv/bin/python scripts/train_lenet5.py            # writes golden/data/lenet5_digits.npz

Uses JAX for autodiff and optax's Adam. The architecture is :func:`fdagen.golden.networks.lenet5`
(ReLU, 2x2 max pooling); JAX's ``conv_general_dilated`` is cross-correlation, the same
convention as the golden model. Deterministic for a given seed on CPU. The committed weights
came from the default arguments.
"""

import argparse
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fdagen.golden.digits import load_digits32
from fdagen.golden.networks import lenet5

OUT = Path(__file__).resolve().parent.parent / "golden" / "data" / "lenet5_digits.npz"


def init_params(network, key):
    params = {}
    for layer in network.layers:
        if layer.kind == "conv":
            shape = (layer.out_channels, layer.in_channels, layer.kernel, layer.kernel)
            fan_in = layer.in_channels * layer.kernel ** 2
        elif layer.kind == "fc":
            shape = (layer.out_channels, layer.in_channels)
            fan_in = layer.in_channels
        else:
            continue
        key, sub = jax.random.split(key)
        params[f"{layer.name}.w"] = jax.random.normal(sub, shape) * jnp.sqrt(2.0 / fan_in)
        params[f"{layer.name}.b"] = jnp.zeros(layer.out_channels)
    return params


def forward(network, params, x):
    """Batched forward pass, x (B, C, H, W) -> logits (B, 10)."""
    for layer in network.layers:
        if layer.kind == "conv":
            x = jax.lax.conv_general_dilated(
                x, params[f"{layer.name}.w"], (layer.stride,) * 2,
                [(layer.padding, layer.padding)] * 2, dimension_numbers=("NCHW", "OIHW", "NCHW"))
            x = x + params[f"{layer.name}.b"][None, :, None, None]
        elif layer.kind == "pool":
            x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, layer.kernel, layer.kernel),
                                      (1, 1, layer.stride, layer.stride), "VALID")
            continue
        else:
            x = x.reshape(x.shape[0], -1) @ params[f"{layer.name}.w"].T + params[f"{layer.name}.b"]
        if layer.relu:
            x = jax.nn.relu(x)
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    network = lenet5()
    x_train, y_train = load_digits32("train")
    x_test, y_test = load_digits32("test")
    params = init_params(network, jax.random.PRNGKey(args.seed))
    optimizer = optax.adamw(args.lr, weight_decay=1e-4)
    state = optimizer.init(params)

    def loss_fn(p, x, y):
        logits = forward(network, p, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def step(p, s, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
        updates, s = optimizer.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    rng = np.random.default_rng(args.seed)
    for epoch in range(args.epochs):
        order = rng.permutation(len(y_train))
        for start in range(0, len(order), args.batch):
            batch = order[start:start + args.batch]
            params, state, loss = step(params, state, x_train[batch], y_train[batch])
        if epoch % 10 == 9 or epoch == args.epochs - 1:
            predicted = np.argmax(forward(network, params, x_test), axis=1)
            print(f"epoch {epoch + 1}: loss {float(loss):.4f}, "
                  f"test accuracy {np.mean(predicted == y_test):.4f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **{k: np.asarray(v, dtype=np.float32) for k, v in sorted(params.items())})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
