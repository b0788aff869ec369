"""Support code shared by the test folders (simulation harnesses, model checks)."""
