"""How a room's audio is coded: speech or music, and what loss the encoders expect.

Pure rules, no I/O: the engine applies them (media/engine.py, media/peer.py).

- Speech (every room by default): mono Opus in its VoIP mode at the configured bitrate
  (32 kbit/s), in-band FEC on, the expected loss following what listeners report, and more
  bits while loss is expected (FEC's redundancy takes them from the speech otherwise).
  Browsers are asked to send 64 kbit/s (`maxaveragebitrate`): a speaker's voice is coded
  twice, by their browser and again in our mix, and a generous first pass keeps the second
  from compounding it (bench/quality.py: PESQ-WB 3.50 with 32 kbit/s each, 3.80 with 64).
- Music (a host's room setting): stereo Opus in its general-audio mode at a higher bitrate;
  the answer asks browsers to send stereo at that rate. Opus puts FEC only in its speech
  (SILK) layer, which music at these rates does not use: losses there are concealed.

One encode serves every listener of a room, so its expected loss is a statistic over them:
the 90th percentile of their smoothed loss, so that one listener on a bad network does not
cost everyone bits, and capped at 20 %: beyond that FEC cannot keep up and only lowers the
quality of every packet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

LOSS_PERCENTILE = 90
MAX_EXPECTED_LOSS = 20  # percent
FEC_HEADROOM = 0.10  # extra bitrate per percent of expected loss ...
MAX_HEADROOM = 0.50  # ... up to half again: 32 kbit/s becomes 48 at 5 % loss and beyond
UPLINK_BITRATE = 64_000  # what browsers on stage are asked to send in speech rooms
ATTACK, RELEASE = 0.5, 0.15  # weight of a receiver report that raises / lowers the estimate


@dataclass(frozen=True, slots=True)
class Profile:
    music: bool
    channels: int
    bitrate: int  # bits/s with no loss expected

    def bitrate_for(self, loss_percent: int) -> int:
        """The encoder's bitrate: headroom for the redundancy when loss is expected (none in
        music mode, whose CELT frames carry no FEC)."""
        if self.music or loss_percent <= 0:
            return self.bitrate
        return int(self.bitrate * (1 + min(MAX_HEADROOM, FEC_HEADROOM * loss_percent)))

    def fmtp(self) -> dict[str, int]:
        """Opus parameters of our answer (RFC 7587): we decode FEC (and send it); what we
        want to receive: stereo at the music bitrate in music mode, else mono at 64 kbit/s."""
        params = {"minptime": 10, "useinbandfec": 1}
        if self.music:
            return params | {"stereo": 1, "sprop-stereo": 1, "maxaveragebitrate": self.bitrate}
        return params | {"maxaveragebitrate": max(self.bitrate, UPLINK_BITRATE)}


def speech(bitrate: int = 32_000) -> Profile:
    return Profile(music=False, channels=1, bitrate=bitrate)


def music(bitrate: int = 128_000) -> Profile:
    return Profile(music=True, channels=2, bitrate=bitrate)


def smoothed(previous: float, fraction_lost: int) -> float:
    """A peer's loss estimate (0..1) after one RTCP report's fraction lost (0..255/256),
    about one a second: quick to rise, slow to fall, so that a second without a loss among
    50 packets does not switch the redundancy off while the network is still lossy."""
    now = max(0, min(255, fraction_lost)) / 256
    weight = ATTACK if now > previous else RELEASE
    return (1 - weight) * previous + weight * now


def expected_loss(losses: Iterable[float]) -> int:
    """Whole percent of loss the shared encoder should expect, from listeners' estimates."""
    values = list(losses)
    if not values:
        return 0
    high = float(np.percentile(values, LOSS_PERCENTILE, method="higher"))
    return int(min(MAX_EXPECTED_LOSS, round(100 * high)))
