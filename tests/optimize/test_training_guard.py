"""tests/support/training.py: a test that needs JAX skips where it is missing, and fails in CI."""

import importlib.util

import pytest
from support.training import require_jax


@pytest.fixture
def no_jax(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "jax" else real(name, *a))


def test_missing_jax_fails_under_ci(no_jax, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must have the train extra installed: "
                                                    "jax not installed"):
        require_jax()


def test_missing_jax_skips_elsewhere(no_jax, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="jax not installed"):
        require_jax()
