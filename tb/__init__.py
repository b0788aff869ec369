"""cocotb testbenches for the generated Verilog (run through cocotb_tools.runner from tests/)."""
