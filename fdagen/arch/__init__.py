"""Architecture description: configuration, the controller's schedule, the descriptor and counter
table, pipeline latencies. Plain Python (no Amaranth): the gateware, the host side and the cost
model all read it."""
