"""Network reduction under an accuracy constraint (``fdagen optimize``), after Rizvi et al.

Rizvi et al. (Applied Intelligence 53(4), 2023) lower the computational workload and memory
access cost (CMC) of a spectral-domain CNN by progressively reducing its output feature maps'
size, depth, or both, while test accuracy stays within a limit. This package does the same on
fdagen's networks and rates every step on an accelerator build:

* :mod:`.reduce`: the candidate networks of each strategy and their CMC in both domains;
* :mod:`.train`: training a network on the digits (JAX; the ``train`` extra);
* :mod:`.evaluate`: one candidate trained and measured (float and bit-true fixed point);
* :mod:`.search`: the strategies' walks, the stopping rule and the worker processes;
* :mod:`.outputs`: CSV, JSON, the plot, the gain table and the chosen networks' files.

The cost model layer's sibling: it uses ``golden``, ``arch``, ``host`` and ``model``, never
Amaranth.
"""
