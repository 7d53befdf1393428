"""Token buckets for rate limits (logins, signups). Pure: the caller passes the clock."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Limit:
    burst: int  # attempts allowed at once
    per_seconds: float  # one attempt comes back every this many seconds

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_seconds <= 0:
            raise ValueError("a limit needs burst >= 1 and a positive refill period")


@dataclass(slots=True)
class Buckets:
    """One bucket per key (an IP address, a username). Old full buckets are pruned."""

    limit: Limit
    max_keys: int = 100_000
    _state: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, t)

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self._state.get(key, (float(self.limit.burst), now))
        return min(self.limit.burst, tokens + (now - last) / self.limit.per_seconds)

    def wait(self, key: str, now: float) -> float:
        """Seconds until a token is there (0: one is now), without spending it."""
        return max(0.0, (1 - self._tokens(key, now)) * self.limit.per_seconds)

    def take(self, key: str, now: float) -> float:
        """Spend one token. Returns 0 when allowed, else the seconds until a token is back."""
        tokens = self._tokens(key, now)
        if tokens < 1:
            self._state[key] = (tokens, now)
            return (1 - tokens) * self.limit.per_seconds
        self._state[key] = (tokens - 1, now)
        if len(self._state) > self.max_keys:
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        full = [
            k
            for k, (tokens, t) in self._state.items()
            if tokens + (now - t) / self.limit.per_seconds >= self.limit.burst
        ]
        for k in full:
            del self._state[k]
        while len(self._state) > self.max_keys:  # under attack: forget the oldest keys
            del self._state[next(iter(self._state))]
