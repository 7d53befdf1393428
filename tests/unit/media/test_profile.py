"""Speech and music coding, and the loss the shared encoder expects (media/profile.py)."""

from __future__ import annotations

from roomcast.media.profile import (
    MAX_EXPECTED_LOSS,
    expected_loss,
    music,
    smoothed,
    speech,
)


def test_the_shared_encoder_expects_a_high_percentile_of_listeners_loss_bounded() -> None:
    assert expected_loss([]) == 0
    assert expected_loss([0.0] * 50) == 0
    assert expected_loss([0.05]) == 5
    # one listener in ten on a bad network does not set the rate for everyone else...
    assert expected_loss([0.0] * 95 + [0.3] * 5) == 0
    # ...but more than one in ten does
    assert expected_loss([0.0] * 80 + [0.08] * 20) == 8
    assert expected_loss([0.9] * 10) == MAX_EXPECTED_LOSS  # beyond it FEC cannot keep up


def test_loss_estimates_rise_fast_and_fall_slowly() -> None:
    up = smoothed(0.0, 26)  # a report of 10 %
    assert 0.04 < up < 0.06
    down = smoothed(up, 0)
    assert up * 0.8 < down < up  # one clean second barely lowers it
    assert smoothed(0.0, 999) <= 1.0 and smoothed(0.0, -5) == 0.0  # out-of-range reports


def test_bitrate_headroom_for_fec_and_none_for_music() -> None:
    s = speech(32_000)
    assert s.bitrate_for(0) == 32_000
    assert s.bitrate_for(2) == 38_400
    assert s.bitrate_for(5) == s.bitrate_for(20) == 48_000
    assert music(128_000).bitrate_for(10) == 128_000


def test_answers_ask_for_fec_and_mono_speech_or_stereo_music() -> None:
    assert speech().fmtp() == {"minptime": 10, "useinbandfec": 1, "maxaveragebitrate": 64_000}
    m = music(160_000).fmtp()
    assert m["stereo"] == m["sprop-stereo"] == m["useinbandfec"] == 1
    assert m["maxaveragebitrate"] == 160_000
    assert speech().channels == 1 and music().channels == 2
