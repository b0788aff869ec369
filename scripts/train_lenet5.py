"""Train LeNet-5 on scikit-learn's digits (upscaled to 32x32) and write the golden weights file.

    .venv/bin/pip install -e ".[train]"
    .venv/bin/python scripts/train_lenet5.py            # writes golden/data/lenet5_digits.npz

The training is :func:`fdagen.optimize.train.train` (JAX autodiff, optax's AdamW) of
:func:`fdagen.golden.networks.lenet5` (ReLU, 2x2 max pooling); JAX's ``conv_general_dilated`` is
cross-correlation, the same convention as the golden model. Deterministic for a given seed on
CPU. The committed weights came from the default arguments.
"""

import argparse
from pathlib import Path

import numpy as np

from fdagen.golden.digits import load_digits32
from fdagen.golden.networks import lenet5
from fdagen.optimize.train import TRAIN_DEFAULTS, forward, train

OUT = Path(__file__).resolve().parent.parent / "golden" / "data" / "lenet5_digits.npz"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=TRAIN_DEFAULTS["epochs"])
    parser.add_argument("--batch", type=int, default=TRAIN_DEFAULTS["batch"])
    parser.add_argument("--lr", type=float, default=TRAIN_DEFAULTS["lr"])
    parser.add_argument("--seed", type=int, default=TRAIN_DEFAULTS["seed"])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    network = lenet5()
    x_train, y_train = load_digits32("train")
    x_test, y_test = load_digits32("test")

    def log(epoch, loss, params):
        if epoch % 10 == 9 or epoch == args.epochs - 1:
            predicted = np.argmax(forward(network, params, x_test), axis=1)
            print(f"epoch {epoch + 1}: loss {loss:.4f}, "
                  f"test accuracy {np.mean(predicted == y_test):.4f}")

    weights = train(network, x_train, y_train, epochs=args.epochs, batch=args.batch, lr=args.lr,
                    seed=args.seed, log=log)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **weights)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
