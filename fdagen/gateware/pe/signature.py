"""The port contract every PE kind's gateware presents to the array.

A PE is a lockstep datapath: the array broadcasts one operation to all its PEs and owns flow
control. Members (directions as seen from the PE):

``prog_en``, ``prog_addr``, ``prog_re``, ``prog_im`` (in)
    Write one weight ``(re, im)`` at ``prog_addr``; during an operation only at an address
    the operation does not read (the accelerator writes only finished group buffers).
``start``, ``x_re``, ``x_im``, ``addr``, ``first``, ``last`` (in)
    Start an operation when ``ready``: multiply ``x`` by the weight at ``addr`` and add it to
    the running sum (``first`` starts a new sum, ``last`` completes it). Operations come at
    the kind's issue interval (:meth:`fdagen.arch.pe_kinds.PEKind.issue_interval`).
``ready``, ``busy`` (out)
    ``ready``: a ``start`` now is taken. ``busy``: an operation is in flight.
``result_valid``, ``result_re``, ``result_im`` (out)
    The sum, ``latency`` clocks (:attr:`fdagen.arch.pe_kinds.PEKind.latency`) after a ``last``
    operation's start; held until the next result.
"""

from amaranth import signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["PESignature"]


class PESignature(wiring.Signature):
    """Ports of one PE with ``data_width``-bit samples, ``weight_width``-bit weight parts,
    ``depth`` weight words and ``acc_width``-bit sums (see the module docstring)."""

    def __init__(self, data_width, weight_width, depth, acc_width):
        self.data_width, self.weight_width = data_width, weight_width
        self.depth, self.acc_width = depth, acc_width
        address = unsigned(max(1, (depth - 1).bit_length()))
        super().__init__({
            "prog_en": In(1), "prog_addr": In(address),
            "prog_re": In(signed(weight_width)), "prog_im": In(signed(weight_width)),
            "start": In(1), "x_re": In(signed(data_width)), "x_im": In(signed(data_width)),
            "addr": In(address), "first": In(1), "last": In(1),
            "ready": Out(1), "busy": Out(1),
            "result_valid": Out(1), "result_re": Out(signed(acc_width)),
            "result_im": Out(signed(acc_width)),
        })

    def __eq__(self, other):
        return (type(other) is type(self) and
                (self.data_width, self.weight_width, self.depth, self.acc_width) ==
                (other.data_width, other.weight_width, other.depth, other.acc_width))

    def __repr__(self):
        return (f"PESignature({self.data_width}, {self.weight_width}, {self.depth}, "
                f"{self.acc_width})")
