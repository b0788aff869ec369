"""Render the UART bridge and its accelerator as Verilog (what a board's bitstream holds, for
simulation and lint: ``fdagen board build`` itself goes through the board's platform).

Files: ``<top>_uart.v`` (the bridge, with the header of :func:`fdagen.emit.accelerator.header`:
command, configuration hash, ports, protocol), one file per accelerator block, as
:func:`~fdagen.emit.accelerator.render_accelerator` writes them, and ``files.f`` in compile
order.
"""

from fdagen.arch.bridge import DEFAULT_DEPTH, BridgeFormat
from fdagen.emit.accelerator import configuration_hash, header, render_blocks
from fdagen.emit.verilog import convert
from fdagen.gateware.blocks import BlockLibrary
from fdagen.gateware.board.bridge import UARTBridge

__all__ = ["bridge_top", "bridge_ports", "render_bridge"]


def bridge_top(config):
    """Module name of the bridge of ``config``'s accelerator."""
    return f"{config.top}_uart"


def bridge_ports(divisor):
    """``[(name, direction, width, meaning)]`` of the bridge's ports."""
    return [
        ("clk", "input", 1, "clock; everything is synchronous to its rising edge"),
        ("rst", "input", 1, "synchronous reset, active high"),
        ("rx", "input", 1, f"UART from the host, 8N1, {divisor} clocks a bit (asynchronous: "
                           "two-flip-flop synchroniser inside)"),
        ("tx", "output", 1, f"UART to the host, 8N1, {divisor} clocks a bit"),
        ("error", "output", 1, "high once an ERROR message went out, until a line break"),
    ]


def render_bridge(config, divisor, depth=DEFAULT_DEPTH):
    """Return ``{filename: bytes}`` of the bridge of ``config`` at ``divisor`` clocks per bit."""
    config.check_generable()
    fmt = BridgeFormat(config, depth)
    top = bridge_top(config)
    command = (f"{config.command(minimal=True)} (in fdagen.gateware.board.bridge.UARTBridge, "
               f"divisor {divisor}, FIFO depth {depth})")
    digest = configuration_hash(config)
    library = BlockLibrary(separate=True, prefix=config.top)
    top_text = convert(UARTBridge(config, divisor, depth, library), top)
    files, verilog_names, models = render_blocks(library, top, command, digest)
    if models:
        raise ValueError(f"the bridge must be built with a PE kind that synthesizes, not "
                         f"{config.pe_kind!r} (its crossbars are black boxes)")
    sizes = ", ".join(f"{name} {fmt.input_bytes(name)}" for name in ("desc", "weights", "pixels"))
    lines = ["Ports:"] + [f"  {n:<6} {d:<6} {w:>3}  {m}" for n, d, w, m in bridge_ports(divisor)]
    lines += ["", "Protocol (fdagen.arch.bridge): host frames [stream, count, beats], stream 0 "
              "desc, 1 weights, 2 pixels;", f"bytes per beat: {sizes}; device messages: "
              f"credits, out beats, counter beats, errors; {depth} credits per stream."]
    files[f"{top}.v"] = (header([], command, digest, top, lines) + "\n" + top_text).encode()
    verilog_names.append(f"{top}.v")
    files["files.f"] = "".join(f"{name}\n" for name in verilog_names).encode()
    return files
