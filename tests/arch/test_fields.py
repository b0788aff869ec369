"""The one table of descriptor fields and counters, and everything that reads it."""

import pytest

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.fields import (COUNTER_TABLE, COUNTERS, DESCRIPTOR, FIELDS, SCHEDULED_COUNTERS,
                                descriptor, field_names)
from fdagen.arch.schedule import LayerSchedule
from fdagen.gateware.accel.layer import LayerShape
from fdagen.golden.tiling import Tiling


@pytest.mark.parametrize("dims", [2, 3])
def test_rtl_layout_is_the_table_minus_dropped_words(dims):
    layout = LayerShape(3, dims)
    table = descriptor(dims)
    kept = [f.name for f in table if f.bits != 0]
    assert list(layout.members) == kept and "fft_size" not in kept
    assert layout.size == sum(3 if f.bits == "stages" else f.bits for f in table)
    assert [f.name for f in table] == list(field_names(dims))
    assert ("depth" in kept) == (dims == 3)
    assert [f for f in DESCRIPTOR if f.dims <= dims] == list(table)


def test_scheduled_counters_are_the_tables():
    schedule = LayerSchedule(AcceleratorConfig(pes=16), Tiling.choose((14, 14), 5, fft_size=8),
                             6, 16)
    assert tuple(schedule.scheduled_counts()) == SCHEDULED_COUNTERS
    assert COUNTERS == tuple((c.name, c.meaning) for c in COUNTER_TABLE)
    assert len(set(FIELDS)) == len(FIELDS) == 29
    assert len(set(field_names(3))) == len(field_names(3)) == 34
