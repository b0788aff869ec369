"""Emission: Verilog from the gateware, headers, manifests, constraints, output directories."""
