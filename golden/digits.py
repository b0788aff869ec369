"""scikit-learn's 8x8 handwritten digits, upscaled to LeNet-5's 32x32 input (no downloads).

The data set ships inside scikit-learn (UCI optdigits test set, 1797 images, 16 grey levels).
Each image is upscaled 4x by pixel replication (8x8 -> 32x32) and mapped to [-0.5, 0.5]
(``pixel / 16 - 0.5``), which the 16-bit Q1.15 input format holds exactly. The split is
stratified, 75 % train / 25 % test, with a fixed seed so every run sees the same images.
"""

import numpy as np

from .checks import ParameterError

__all__ = ["load_digits32", "SPLIT_SEED"]

SPLIT_SEED = 0


def load_digits32(split):
    """Return ``(images, labels)``: images (n, 1, 32, 32) float64, labels (n,) int64.

    ``split`` is ``"train"``, ``"test"`` or ``"all"``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if split not in ("train", "test", "all"):
        raise ParameterError(f"split must be one of train, test, all, not {split!r}")
    digits = load_digits()
    images = np.kron(digits.images, np.ones((4, 4))) / 16.0 - 0.5
    images = images[:, None, :, :].astype(np.float64)
    labels = digits.target.astype(np.int64)
    if split == "all":
        return images, labels
    index = np.arange(len(labels))
    train, test = train_test_split(index, test_size=0.25, random_state=SPLIT_SEED,
                                   stratify=labels)
    chosen = train if split == "train" else test
    return images[chosen], labels[chosen]
