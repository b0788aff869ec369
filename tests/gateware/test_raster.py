"""Raster walks and buffer addresses over 2 and 3 axes: raster order, positions, wrap-around."""

import itertools

import pytest
from amaranth import Module, Signal
from amaranth.sim import Simulator

from fdagen.arch.geometry import TileGeometry
from fdagen.gateware.accel.raster import Raster, buffer_address


def walk(dims, bounds, steps, *, start=0, step=1, runtime=False, last_flags=False, pitch=8,
         extent=5):
    """Step a raster ``steps`` times; return (indices, positions, first, last, address) per
    point visited. ``runtime`` feeds the bounds through signals (descriptor fields);
    ``last_flags`` keeps their last-index compares in registers."""
    geometry = TileGeometry(dims, 8)
    m = Module()
    limits = [Signal(16, name=f"bound{a}") for a in range(dims)]
    origin = Signal(16)
    raster = Raster("", "t", geometry.axes, limits if runtime else bounds,
                    position="o", start=origin, step=step, last_flags=last_flags)
    address = Signal(32)
    m.d.comb += address.eq(buffer_address(3, raster.index, geometry.strides(extent, pitch)))
    go, restart = Signal(), Signal()
    with m.If(restart):
        m.d.sync += raster.restart()
    with m.Elif(go):
        raster.step(m)
    seen = []

    async def bench(ctx):
        for a in range(dims):
            ctx.set(limits[a], bounds[a])
        ctx.set(origin, start)
        ctx.set(restart, 1)
        await ctx.tick()
        ctx.set(restart, 0)
        ctx.set(go, 1)
        for _ in range(steps):
            seen.append((tuple(ctx.get(i) for i in raster.index),
                         tuple(ctx.get(p) for p in raster.position),
                         ctx.get(raster.first), ctx.get(raster.last), ctx.get(address)))
            await ctx.tick()

    sim = Simulator(m)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return seen


@pytest.mark.parametrize("dims,bounds", [(2, (3, 4)), (3, (2, 3, 4)), (3, (1, 2, 1))])
@pytest.mark.parametrize("runtime,last_flags", [(False, False), (True, False), (True, True)],
                         ids=["const", "runtime", "runtime_flags"])
def test_raster_order_positions_and_wrap(dims, bounds, runtime, last_flags):
    points = list(itertools.product(*[range(b) for b in bounds]))
    seen = walk(dims, bounds, len(points) + 2, start=7, step=5, runtime=runtime,
                last_flags=last_flags)
    expected = points + points[:2]                  # after the last point: the first again
    assert [s[0] for s in seen] == expected
    assert [s[1] for s in seen] == [tuple(7 + 5 * i for i in p) for p in expected]
    assert [s[2] for s in seen] == [int(p == points[0]) for p in expected]
    assert [s[3] for s in seen] == [int(p == points[-1]) for p in expected]


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


def test_a_raster_needs_one_bound_per_axis():
    with pytest.raises(ValueError, match="one bound per axis, not 3 bounds for 2 axes"):
        Raster("", "t", ("y", "x"), (1, 2, 3))
