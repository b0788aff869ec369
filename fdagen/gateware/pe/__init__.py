"""Processing elements and the PE array."""
