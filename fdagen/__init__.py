"""fdagen: a generator of frequency-domain CNN accelerators (FDA-style) in Amaranth HDL."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("fdagen")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
