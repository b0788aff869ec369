"""Shared test settings.

Heavier sweeps carry ``@pytest.mark.slow``. By default (and in CI) a deterministic sample of
their parameter sets runs; ``FDAGEN_FULL=1`` runs every one.
"""

import os

import numpy as np
import pytest

FULL = os.environ.get("FDAGEN_FULL") == "1"


def sample(params, every=3):
    """Return all ``params`` when FDAGEN_FULL=1, else every ``every``-th (always the first)."""
    return list(params) if FULL else list(params)[::every]


@pytest.fixture
def rng(request):
    """A NumPy generator seeded from the test's file name and name, so each test is reproducible
    and keeps its data when its file moves between the test folders."""
    node = f"tests/{request.node.path.name}::{request.node.name}"
    seed = sum(map(ord, node)) % (2 ** 32)
    return np.random.default_rng(seed)
