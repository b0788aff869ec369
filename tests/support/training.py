"""The training extra in tests: skip where it is not installed, fail in CI.

CI (``CI=true``) installs ``.[test,flows,train]`` (scripts/setup.sh), so a test that needs JAX
must never be skipped there: a missing JAX fails it instead. Elsewhere it is skipped with the
reason.
"""

import importlib.util
import os

import pytest

__all__ = ["require_jax", "blas_threads"]


def require_jax():
    """Skip the calling test when jax or optax is missing, or fail it under ``CI=true``."""
    missing = [name for name in ("jax", "optax") if importlib.util.find_spec(name) is None]
    if not missing:
        return
    reason = f"{', '.join(missing)} not installed (the train extra: pip install -e '.[train]')"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI must have the train extra installed: {reason}")
    pytest.skip(reason)


def blas_threads():
    """The thread count of every BLAS pool loaded in this process (for a worker to report)."""
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
