"""The ``fdagen`` command line: one module per command group, handlers that call library
functions.

:mod:`fdagen.cli.common` holds what they share (the one-line :class:`InputError`, argument types,
array loading). :func:`main` reports input errors, :class:`~fdagen.golden.checks.ParameterError`
and output-path errors as ``fdagen: error: ...`` with exit status 2; any other exception is a bug
in fdagen and propagates with its traceback.
"""

import os
import sys

from fdagen import __version__
from fdagen.cli import board, build, formal, golden, model, optimize, sim
from fdagen.cli.build import accelerator_config
from fdagen.cli.common import InputError, Parser

__all__ = ["main", "build_parser", "accelerator_config", "InputError"]


def build_parser():
    """Return the ``fdagen`` argument parser."""
    parser = Parser(prog="fdagen", description="Generator of frequency-domain CNN accelerators.")
    parser.add_argument("--version", action="version", version=f"fdagen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for group in (golden, build, sim, board, model, optimize, formal):
        group.add_commands(commands)
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    from fdagen.emit.outdir import OutputPathError
    from fdagen.flows.synth import SynthError
    from fdagen.flows.tools import ToolError
    from fdagen.golden.checks import ParameterError, ParameterTypeError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (InputError, OutputPathError, ParameterError, ParameterTypeError, SynthError,
            ToolError) as error:
        print(f"fdagen: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())

