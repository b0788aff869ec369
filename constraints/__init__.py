"""Constraint and FuseSoC templates for the accelerator top, installed as ``fdagen.constraints``.

``fdagen build`` fills them with :class:`string.Template` (``$top``, ``$mhz``, ``$period_ns``,
``$version``, ``$files``, ...); see :mod:`fdagen.emit.accelerator`.
"""
