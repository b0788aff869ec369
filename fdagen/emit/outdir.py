"""Output directories: written atomically, never clobbered silently.

Everything is rendered in memory first (``{name: bytes}``), then written to a temporary
directory beside the target and renamed into place, so a failure leaves nothing half-written.
"""

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["OutputPathError", "check_output_file", "check_output_directory",
           "write_output_directory", "verilog_sources"]


class OutputPathError(Exception):
    """An output path cannot be used: it is a directory where a file is wanted (or the other
    way round), lies under a file, is the current directory or contains it, or is a non-empty
    directory and replacing it was not asked for."""


def _check_ancestors(path, what):
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputPathError(f"{what} {str(path)!r} must be inside a directory, but "
                                      f"{str(ancestor)!r} is a file")
            return


def check_output_file(path, what="output file"):
    """Refuse a file path that cannot be written: a directory, or a path whose parent is not an
    existing directory. Call it before any long work."""
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"{what} {str(path)!r} must be a file, not a directory")
    _check_ancestors(path, what)
    if not path.parent.is_dir():
        raise OutputPathError(f"{what} {str(path)!r} must be in an existing directory, but "
                              f"{str(path.parent)!r} does not exist")
    return path


def check_output_directory(out, force=False):
    """Refuse an output directory that cannot be written or replaced (see
    :class:`OutputPathError`); ``force`` allows replacing a non-empty one. Call it before any
    long work; :func:`write_output_directory` calls it again."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputPathError(f"output directory {str(out)!r} must be a directory, not a file")
    _check_ancestors(out, "output directory")
    resolved, here = out.resolve(), Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise OutputPathError(f"output directory {str(out)!r} must not be the current directory "
                              f"or contain it")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputPathError(f"output directory {str(out)!r} must be empty or new (pass "
                              f"--force to replace it)")
    return out


def verilog_sources(files, simulation=False):
    """The Verilog file names of an output directory's ``files`` in compile order: for
    synthesis (``files.f``), or with ``simulation`` the behavioural models of black-box macros
    too (``sim_files.f``, where the directory has one)."""
    name = "sim_files.f" if simulation and "sim_files.f" in files else "files.f"
    return files[name].decode().split()


def write_output_directory(files, out, force=False):
    """Write ``{name: bytes}`` into directory ``out`` atomically.

    An existing non-empty ``out`` is an error unless ``force``, which replaces it. On any
    failure the previous contents of ``out`` (if any) are back in place and no staging
    directory is left.
    """
    out = check_output_directory(out, force)
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}."))
    old = None
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.old."))
            os.replace(out, old / out.name)
        os.replace(staging, out)
    except BaseException:
        if old is not None and (old / out.name).exists():
            os.replace(old / out.name, out)
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old)
