"""Text every generated file shares: stream port descriptions for headers and manifests."""

__all__ = ["stream_ports"]


def stream_ports(name, direction, fields, meaning):
    """Ports of an Amaranth stream: ``fields`` is [(name, width, text)], packed LSB first."""
    width = sum(w for _, w, _ in fields)
    bits, low = [], 0
    for field, w, text in fields:
        bits.append(f"[{low + w - 1}:{low}] {field}{text}" if w > 1 else f"[{low}] {field}{text}")
        low += w
    data_in = direction == "input"
    role = "TDATA+TLAST" if any(field == "last" for field, _, _ in fields) else "TDATA"
    return [
        (f"{name}__valid", "input" if data_in else "output", 1, f"{name} stream TVALID"),
        (f"{name}__ready", "output" if data_in else "input", 1,
         f"{name} stream TREADY" + ("" if data_in else " (backpressure stalls the pipeline)")),
        (f"{name}__payload", direction, width, f"{name} stream {role}: " + ", ".join(bits)),
    ]
