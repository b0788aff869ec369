"""The analytic cost model: component library, cost rules, cycle model, energy model, reports and
the design-space sweep. Reads the architecture (fdagen.arch) only; no Amaranth."""
