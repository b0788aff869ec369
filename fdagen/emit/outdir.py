"""Output directories: written atomically, never clobbered silently.

Everything is rendered in memory first (``{name: bytes}``), then written to a temporary
directory beside the target and renamed into place, so a failure leaves nothing half-written.
"""

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["OutputExistsError", "write_output_directory", "verilog_sources"]


class OutputExistsError(Exception):
    """The output directory exists and is not empty (pass force to replace it)."""


def verilog_sources(files):
    """The Verilog file names of an output directory's ``files`` in compile order (``files.f``)."""
    return files["files.f"].decode().split()


def write_output_directory(files, out, force=False):
    """Write ``{name: bytes}`` into directory ``out`` atomically.

    An existing non-empty ``out`` is an error unless ``force``, which replaces it.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"output {str(out)!r} must be a directory, not a file")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputExistsError(f"output directory {str(out)!r} must be empty or new "
                                f"(pass --force to replace it)")
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}."))
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.old."))
            os.replace(out, old / out.name)
            os.replace(staging, out)
            shutil.rmtree(old)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
