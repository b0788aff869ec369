"""Flows over emitted RTL: build steps, simulation (cocotb), synthesis (YoWASP), lint, tools."""
