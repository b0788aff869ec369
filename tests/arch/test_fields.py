"""The one table of descriptor fields and counters, and everything that reads it."""

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.fields import COUNTER_TABLE, COUNTERS, DESCRIPTOR, FIELDS, SCHEDULED_COUNTERS
from fdagen.arch.schedule import LayerSchedule
from fdagen.gateware.accel.layer import LayerShape
from fdagen.golden.tiling import Tiling


def test_rtl_layout_is_the_table_minus_dropped_words():
    layout = LayerShape(3)
    kept = [f.name for f in DESCRIPTOR if f.bits != 0]
    assert list(layout.members) == kept and "fft_size" not in kept
    assert layout.size == sum(3 if f.bits == "stages" else f.bits for f in DESCRIPTOR)


def test_scheduled_counters_are_the_tables():
    schedule = LayerSchedule(AcceleratorConfig(pes=16), Tiling.choose((14, 14), 5, fft_size=8),
                             6, 16)
    assert tuple(schedule.scheduled_counts()) == SCHEDULED_COUNTERS
    assert COUNTERS == tuple((c.name, c.meaning) for c in COUNTER_TABLE)
    assert len(set(FIELDS)) == len(FIELDS) == 29
