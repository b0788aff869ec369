"""Train a network of :mod:`fdagen.golden.networks` on images (JAX autodiff, optax AdamW).

Needs the ``train`` extra (``pip install -e ".[train]"``: jax, jaxlib, optax). The forward pass
is the golden model's (:func:`fdagen.golden.model.forward_float`): cross-correlation
(``conv_general_dilated``), ReLU where the layer says so, max pooling, fully connected layers
on the flattened map. Deterministic for a given seed on CPU with a fixed thread count (the
search's workers run XLA single-threaded, :func:`single_thread_environment`).
"""

import os

import numpy as np

from fdagen.golden.checks import ParameterError

__all__ = ["train", "forward", "init_params", "available", "missing_message",
           "single_thread_environment", "TRAIN_DEFAULTS"]

#: The recipe of the committed LeNet-5 weights (scripts/train_lenet5.py's defaults).
TRAIN_DEFAULTS = {"epochs": 40, "batch": 64, "lr": 1e-3, "weight_decay": 1e-4, "seed": 0}


def available():
    """True when jax and optax import."""
    try:
        import jax  # noqa: F401
        import optax  # noqa: F401
    except ImportError:
        return False
    return True


def missing_message():
    """The one-line reason training cannot run here."""
    return ('training must have jax and optax installed (the train extra: '
            'pip install -e ".[train]"), not missing')


def single_thread_environment(environ=os.environ):
    """Make XLA and the BLAS libraries use one thread: set the variables they read when they
    load (call it before jax is imported; the search's worker initializer does) and, when
    ``environ`` is this process's, limit the BLAS thread pools already loaded to one thread
    (threadpoolctl, which scikit-learn requires): a spawned worker has imported NumPy, and with
    it OpenBLAS at one thread per core, before its initializer runs."""
    flags = environ.get("XLA_FLAGS", "")
    for flag in ("--xla_cpu_multi_thread_eigen=false", "intra_op_parallelism_threads=1"):
        if flag.split("=")[0] not in flags:
            flags = f"{flags} {flag}".strip()
    environ["XLA_FLAGS"] = flags
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        environ[name] = "1"
    if environ is os.environ:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)        # kept for the process's life (not used as a context)


def init_params(network, key):
    """He-normal weights and zero biases, ``{"<layer>.w": ..., "<layer>.b": ...}``, drawn from
    JAX key ``key`` layer by layer."""
    import jax
    import jax.numpy as jnp

    params = {}
    for layer in network.layers:
        if layer.kind == "conv":
            if layer.groups != 1 or layer.dims != 2:
                raise ParameterError(f"a trained conv layer must be 2-D with one group, not "
                                     f"{layer.dims}-D with {layer.groups} ({layer.name!r})")
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
    """Batched forward pass, x (B, C, H, W) -> the last layer's output, flattened per image."""
    import jax
    import jax.numpy as jnp

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
    return x.reshape(x.shape[0], -1)


def train(network, images, labels, epochs=40, batch=64, lr=1e-3, weight_decay=1e-4, seed=0,
          steps=None, log=None):
    """Train ``network`` on ``images`` (n, C, H, W) and integer ``labels`` (n,) with softmax
    cross-entropy and AdamW; return the weights as ``{"<layer>.w"/"<layer>.b": float32
    array}`` (conv (M, C, K, K), fc (out, in)), the layout of
    :func:`fdagen.golden.model.load_weights`.

    ``seed`` draws the initial weights (``jax.random.PRNGKey(seed)``) and the epochs' shuffles
    (``numpy.random.default_rng(seed)``); ``steps``, if given, stops after that many
    mini-batches (a short run for tests). ``log(epoch, loss, params)`` is called after each
    epoch. The defaults are the recipe of the committed LeNet-5 weights.
    """
    import jax
    import optax

    if len(images) != len(labels) or not len(labels):
        raise ParameterError(f"images and labels must be as many and not none, not "
                             f"{len(images)} and {len(labels)}")
    params = init_params(network, jax.random.PRNGKey(seed))
    optimizer = optax.adamw(lr, weight_decay=weight_decay)
    state = optimizer.init(params)

    def loss_fn(p, x, y):
        logits = forward(network, p, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def step(p, s, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
        updates, s = optimizer.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    rng = np.random.default_rng(seed)
    done = 0
    for epoch in range(epochs):
        order = rng.permutation(len(labels))
        for start in range(0, len(order), batch):
            if steps is not None and done >= steps:
                break
            chosen = order[start:start + batch]
            params, state, loss = step(params, state, images[chosen], labels[chosen])
            done += 1
        if log is not None:
            log(epoch, float(loss), params)
        if steps is not None and done >= steps:
            break
    return {k: np.asarray(v, dtype=np.float32) for k, v in sorted(params.items())}
