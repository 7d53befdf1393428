from __future__ import annotations

import pytest

from roomcast.domain.ratelimit import Buckets, Limit


def test_burst_then_refill() -> None:
    b = Buckets(Limit(burst=3, per_seconds=10))
    assert [b.take("ip", 0.0) for _ in range(3)] == [0, 0, 0]
    assert b.take("ip", 0.0) == pytest.approx(10)
    assert b.take("ip", 5.0) == pytest.approx(5)
    assert b.take("ip", 10.0) == 0  # one token came back
    assert b.take("other", 0.0) == 0  # keys are independent


def test_pruning_bounds_memory() -> None:
    b = Buckets(Limit(burst=1, per_seconds=1), max_keys=10)
    for i in range(100):
        b.take(f"k{i}", float(i))
    assert len(b._state) <= 10


def test_invalid_limits() -> None:
    with pytest.raises(ValueError):
        Limit(burst=0, per_seconds=1)
    with pytest.raises(ValueError):
        Limit(burst=1, per_seconds=0)


def test_wait_looks_without_spending() -> None:
    b = Buckets(Limit(burst=2, per_seconds=10))
    assert b.wait("k", 0) == 0 and b.wait("k", 0) == 0  # looking is free
    assert b.take("k", 0) == 0 and b.take("k", 0) == 0
    assert b.wait("k", 0) == 10 and b.wait("k", 4) == 6
    assert b.take("k", 10) == 0  # one came back
