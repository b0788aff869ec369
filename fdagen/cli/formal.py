"""``fdagen formal``: prove the generated blocks' stream contract (:mod:`fdagen.flows.formal`)."""

import shutil
import tempfile
from pathlib import Path

from fdagen.cli.common import InputError, word_list
from fdagen.emit.outdir import check_output_directory

__all__ = ["add_commands"]


def add_commands(commands):
    """Add this module's subcommands to ``commands`` (an argparse subparsers object)."""
    from fdagen.flows.formal import MUTANTS, PROOFS

    formal = commands.add_parser(
        "formal", help="formal proofs of the blocks' stream contract (SymbiYosys)",
        description="Bounded proofs (SymbiYosys, Yices) on the generated FFT blocks: outputs "
                    "hold valid and payload until ready, last marks exactly the frame ends, no "
                    "output frame before its input frame, every frame out after a drain, and the "
                    "FFT core's step look-ahead equal to its reference sums. Then each mutant "
                    "(a deliberately broken netlist) must fail a property. Exit status 1 if a "
                    "proof fails or a mutant is not caught.")
    formal.add_argument("--proof", type=word_list(tuple(PROOFS)), metavar="NAME[,NAME]",
                        help=f"proofs to run: {', '.join(PROOFS)} (default all)")
    formal.add_argument("--mutant", type=word_list(tuple(MUTANTS)), metavar="NAME[,NAME]",
                        help=f"mutants to run: {', '.join(MUTANTS)} (default: those of the "
                             f"proofs run)")
    formal.add_argument("--no-mutants", action="store_true", help="run no mutants")
    formal.add_argument("--list", action="store_true", help="list the proofs and mutants")
    formal.add_argument("--out", type=Path, metavar="DIR",
                        help="keep every run's SymbiYosys directory here (default: a temporary "
                             "directory, kept only if a check went wrong)")
    formal.add_argument("--force", action="store_true", help="replace a non-empty --out")
    formal.set_defaults(handler=_cmd_formal)


def _selection(args):
    from fdagen.flows.formal import MUTANTS

    proofs = args.proof or []
    if args.no_mutants and args.mutant:
        raise InputError("--mutant and --no-mutants must not be given together")
    if args.no_mutants:
        mutants = []
    elif args.mutant:
        mutants = args.mutant
    else:
        mutants = [name for name, m in MUTANTS.items() if not proofs or m.proof in proofs]
    if args.proof is None and args.mutant:
        proofs = []
    elif args.proof is None:
        from fdagen.flows.formal import PROOFS

        proofs = list(PROOFS)
    return proofs, mutants


def _cmd_formal(args):
    from fdagen.flows.formal import (MUTANTS, PROOFS, check_tools, format_results, run_mutant,
                                     run_proof)

    if args.list:
        for name, proof in PROOFS.items():
            print(f"proof   {name:<24} {proof.summary}")
        for name, mutant in MUTANTS.items():
            print(f"mutant  {name:<24} {mutant.summary} (of {mutant.proof}; expect "
                  f"{'/'.join(mutant.expect)})")
        return 0
    proofs, mutants = _selection(args)
    if args.out is not None:
        check_output_directory(args.out, args.force)
    check_tools()
    out = args.out if args.out is not None else Path(tempfile.mkdtemp(prefix="fdagen-formal-"))
    if args.out is not None and out.exists():
        shutil.rmtree(out)
    results = []
    print(format_results([]), flush=True)
    for name in proofs:
        results.append(run_proof(name, out / name))
        print(format_results(results[-1:]).splitlines()[-1], flush=True)
    for name in mutants:
        results.append(run_mutant(name, out / name))
        print(format_results(results[-1:]).splitlines()[-1], flush=True)
    wrong = [r.name for r in results if not r.as_expected]
    print(f"{len(results) - len(wrong)} of {len(results)} checks as expected")
    if wrong:
        print(f"not as expected: {', '.join(wrong)}; SymbiYosys runs in {out}")
        return 1
    if args.out is None:
        shutil.rmtree(out)
    return 0
