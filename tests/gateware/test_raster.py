"""Raster walks and buffer addresses over 2 and 3 axes: raster order, positions, wrap-around."""

import itertools

import pytest
from amaranth import Module, Signal
from amaranth.sim import Simulator

from fdagen.arch.geometry import TileGeometry
from fdagen.gateware.accel.raster import Raster, buffer_address


def walk(dims, bounds, steps, *, start=0, step=1, runtime=False, last_flags=False,
         first_flags=False, end_flag=False, pitch=8, extent=5, rewind_at=None):
    """Step a raster ``steps`` times; return (indices, positions, first, last, address, the
    axes' ``at_first``) per point visited. ``runtime`` feeds the bounds through signals
    (descriptor fields); ``last_flags`` and ``first_flags`` keep their last- and first-index
    compares in registers, ``end_flag`` the walk's last point. With ``rewind_at=(i, j)`` the walk marks its point at step ``i`` and
    returns to it at step ``j`` (a bookmark walk)."""
    geometry = TileGeometry(dims, 8)
    m = Module()
    limits = [Signal(16, name=f"bound{a}") for a in range(dims)]
    origin = Signal(16)
    raster = Raster("", "t", geometry.axes, limits if runtime else bounds,
                    position="o", start=origin, step=step, last_flags=last_flags,
                    first_flags=first_flags, end_flag=end_flag,
                    bookmark=rewind_at is not None)
    address = Signal(32)
    m.d.comb += address.eq(buffer_address(3, raster.index, geometry.strides(extent, pitch)))
    go, restart, mark, rewind = Signal(), Signal(), Signal(), Signal()
    with m.If(restart):
        m.d.sync += raster.restart()
    with m.Elif(rewind):
        if rewind_at is not None:
            m.d.sync += raster.rewind()
    with m.Elif(go):
        raster.step(m)
        if rewind_at is not None:
            with m.If(mark):
                m.d.sync += raster.mark()
    seen = []

    async def bench(ctx):
        for a in range(dims):
            ctx.set(limits[a], bounds[a])
        ctx.set(origin, start)
        ctx.set(restart, 1)
        await ctx.tick()
        ctx.set(restart, 0)
        ctx.set(go, 1)
        for k in range(steps):
            if rewind_at is not None:
                ctx.set(mark, k == rewind_at[0])
                ctx.set(rewind, k == rewind_at[1])
            seen.append((tuple(ctx.get(i) for i in raster.index),
                         tuple(ctx.get(p) for p in raster.position),
                         ctx.get(raster.first), ctx.get(raster.last), ctx.get(address),
                         tuple(ctx.get(raster.at_first(a)) for a in range(dims))))
            await ctx.tick()

    sim = Simulator(m)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return seen


@pytest.mark.parametrize("dims,bounds", [(2, (3, 4)), (3, (2, 3, 4)), (3, (1, 2, 1))])
@pytest.mark.parametrize("runtime,last_flags,first_flags,end_flag",
                         [(False, False, False, False), (True, False, False, False),
                          (True, True, False, False), (False, False, True, False),
                          (False, False, False, True), (True, True, True, True)],
                         ids=["const", "runtime", "runtime_flags", "first_flags", "end_flag",
                              "all_flags"])
def test_raster_order_positions_and_wrap(dims, bounds, runtime, last_flags, first_flags,
                                         end_flag):
    points = list(itertools.product(*[range(b) for b in bounds]))
    seen = walk(dims, bounds, len(points) + 2, start=7, step=5, runtime=runtime,
                last_flags=last_flags, first_flags=first_flags, end_flag=end_flag)
    expected = points + points[:2]                  # after the last point: the first again
    assert [s[0] for s in seen] == expected
    assert [s[1] for s in seen] == [tuple(7 + 5 * i for i in p) for p in expected]
    assert [s[2] for s in seen] == [int(p == points[0]) for p in expected]
    assert [s[3] for s in seen] == [int(p == points[-1]) for p in expected]
    assert [s[5] for s in seen] == [tuple(int(i == 0) for i in p) for p in expected]


@pytest.mark.parametrize("first_flags", [False, True])
def test_rewind_returns_to_the_marked_point_with_its_flags(first_flags):
    """Mark at (0, 2, 0) of a 2 x 3 x 4 walk, walk past (1, 0, 0), rewind: the walk and its
    first-index and end flags continue from the marked point."""
    bounds = (2, 3, 4)
    points = list(itertools.product(*[range(b) for b in bounds]))
    # the mark saves point 8 = (0, 2, 0) as the walk leaves it; the rewind follows point 14
    seen = walk(3, bounds, 33, runtime=True, last_flags=True, first_flags=first_flags,
                end_flag=True, rewind_at=(8, 14))
    expected = points[:15] + points[8:] + points[:2]       # through the end, and past it
    assert expected[15] == (0, 2, 0)
    assert [s[0] for s in seen] == expected
    assert [s[3] for s in seen] == [int(p == points[-1]) for p in expected]
    assert [s[5] for s in seen] == [tuple(int(i == 0) for i in p) for p in expected]


@pytest.mark.parametrize("dims", [2, 3])
def test_buffer_address_is_the_row_major_offset_with_a_pitched_innermost_axis(dims):
    extent, pitch = 5, 8
    bounds = (extent,) * (dims - 1) + (pitch,)
    seen = walk(dims, bounds, extent ** (dims - 1) * pitch, extent=extent, pitch=pitch)
    addresses = [s[4] for s in seen]
    assert addresses == [3 + k for k in range(len(addresses))]      # dense, in raster order
    assert TileGeometry(dims, 8).plane_words(extent, pitch) == len(addresses)


def test_strides():
    assert TileGeometry(2, 8).strides(20, 32) == (32, 1)
    assert TileGeometry(3, 8).strides(20, 32) == (640, 32, 1)


def test_an_end_flag_over_run_time_bounds_needs_last_flags():
    with pytest.raises(ValueError, match="end flag needs last_flags"):
        Raster("", "t", ("y", "x"), (Signal(4), 3), end_flag=True)


def test_a_raster_needs_one_bound_per_axis():
    with pytest.raises(ValueError, match="one bound per axis, not 3 bounds for 2 axes"):
        Raster("", "t", ("y", "x"), (1, 2, 3))
