"""scikit-learn's 8x8 handwritten digits, upscaled to LeNet-5's 32x32 input (no downloads).

The data set ships inside scikit-learn (UCI optdigits test set, 1797 images, 16 grey levels).
Each image is upscaled 4x by pixel replication (8x8 -> 32x32) and mapped to [-0.5, 0.5]
(``pixel / 16 - 0.5``), which the 16-bit Q1.15 input format holds exactly. The split is
stratified, 75 % train / 25 % test, with a fixed seed so every run sees the same images.

:func:`load_digits` gives the same images at another square size ``S`` (a network with a
smaller input, e.g. ``fdagen optimize``'s size strategy): each 8x8 image, read as a
piecewise-constant picture, is box-resampled to S x S, every output pixel the area-weighted
mean of the source pixels it covers. At S = 32 that is the 4x pixel replication exactly.
"""

import numpy as np

from .checks import ParameterError

__all__ = ["load_digits32", "load_digits", "box_resample_matrix", "SPLIT_SEED"]

SPLIT_SEED = 0


def load_digits32(split):
    """Return ``(images, labels)``: images (n, 1, 32, 32) float64, labels (n,) int64.

    ``split`` is ``"train"``, ``"test"`` or ``"all"``.
    """
    return load_digits(split, 32)


def box_resample_matrix(source, size):
    """The ``(size, source)`` matrix that box-resamples ``source`` pixels to ``size``: row ``i``
    holds the fraction of output pixel ``i``'s width that each source pixel covers (rows sum
    to 1). Integer overlaps on a common grid, so a whole-number ratio gives exact weights."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ParameterError(f"image size must be a positive integer, not {size!r}")
    matrix = np.zeros((size, source))
    for i in range(size):                         # output pixel i spans [i*source, (i+1)*source)
        lo, hi = i * source, (i + 1) * source     # in units of 1 / (source * size)
        for j in range(lo // size, -(-hi // size)):
            overlap = min(hi, (j + 1) * size) - max(lo, j * size)
            matrix[i, j] = overlap / source
    return matrix


def load_digits(split, size=32):
    """Return ``(images, labels)``: images (n, 1, size, size) float64 in [-0.5, 0.5], labels
    (n,) int64; ``size`` 32 gives :func:`load_digits32`'s images, another size the same
    images box-resampled (module docstring). ``split`` is ``"train"``, ``"test"`` or
    ``"all"``."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if split not in ("train", "test", "all"):
        raise ParameterError(f"split must be one of train, test, all, not {split!r}")
    resample = box_resample_matrix(8, size)
    digits = sklearn_digits()
    images = np.einsum("ij,njk,lk->nil", resample, digits.images, resample) / 16.0 - 0.5
    images = images[:, None, :, :].astype(np.float64)
    labels = digits.target.astype(np.int64)
    if split == "all":
        return images, labels
    index = np.arange(len(labels))
    train, test = train_test_split(index, test_size=0.25, random_state=SPLIT_SEED,
                                   stratify=labels)
    chosen = train if split == "train" else test
    return images[chosen], labels[chosen]
