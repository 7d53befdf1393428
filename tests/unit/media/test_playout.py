"""The concealing receive path (media/playout.py) against libopus itself."""

from __future__ import annotations

import numpy as np
import pytest

from roomcast.media.opus import Decoder, Encoder, OpusError, packet_samples
from roomcast.media.playout import FRAME, Playout
from tests.media_helpers import voice


def packets(pcm: np.ndarray, loss: int = 10, fec: bool = True, channels: int = 1) -> list[bytes]:
    enc = Encoder(channels, 32_000)
    enc.set_fec(fec, loss)
    step = FRAME * channels
    return [enc.encode(pcm[i : i + step]) for i in range(0, pcm.size - step + 1, step)]


def play(playout: Playout, ticks: int) -> list[np.ndarray | None]:
    return [playout.take() for _ in range(ticks)]


def test_every_packet_in_order_decodes_as_libopus_does() -> None:
    stream = packets(voice(1.0))
    playout, reference = Playout(), Decoder(1)
    out = []
    for seq, p in enumerate(stream):
        playout.add(seq, p)
        out.append(playout.take())
    expected = [reference.decode(p) for p in stream]
    got = [f for f in out if f is not None]
    assert out[0] is None  # buffering: two packets before the first frame (the target)
    assert len(got) == len(stream) - 1
    for a, b in zip(got, expected, strict=False):
        np.testing.assert_array_equal(a, b)
    assert playout.stats.decoded == len(got) and playout.stats.concealed == 0


def test_a_single_loss_is_rebuilt_bit_exactly_from_the_next_packets_fec() -> None:
    stream = packets(voice(1.0), loss=10)
    lost = 20
    playout = Playout()
    out: list[np.ndarray] = []
    for seq, p in enumerate(stream):
        if seq != lost:
            playout.add(seq, p)
        if seq >= 1:
            frame = playout.take()
            assert frame is not None and frame.size == FRAME
            out.append(frame)
    # libopus' own way: decode up to the loss, the lost one from the next packet's FEC
    reference = Decoder(1)
    expected = [reference.decode(p) for p in stream[:lost]]
    expected.append(reference.decode_fec(stream[lost + 1], FRAME))
    expected += [reference.decode(p) for p in stream[lost + 1 : len(out)]]
    for a, b in zip(out, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    assert playout.stats.recovered == 1 and playout.stats.concealed == 0
    # the FEC data was real: concealment from the same state gives something else, while
    # for a stream encoded without FEC libopus' FEC decode falls back to exactly that
    assert all(p[0] >> 3 in range(12, 16) for p in stream)  # hybrid: SILK carries the FEC
    for fec, differs in ((True, True), (False, False)):
        encoded = packets(voice(1.0), loss=10, fec=fec)
        a, b = Decoder(1), Decoder(1)
        for p in encoded[:lost]:
            a.decode(p), b.decode(p)
        rebuilt, concealed = a.decode_fec(encoded[lost + 1], FRAME), b.conceal(FRAME)
        assert bool((rebuilt != concealed).any()) is differs


def test_without_fec_a_loss_becomes_a_concealed_frame_of_the_right_length() -> None:
    stream = packets(voice(0.6), fec=False)
    playout = Playout()
    out = []
    for seq, p in enumerate(stream):
        if seq not in (10, 11):  # two in a row: the second has no next packet to rebuild from
            playout.add(seq, p)
        out.append(playout.take())
    frames = [f for f in out if f is not None]
    assert all(f.size == FRAME for f in frames)
    assert len(frames) == len(stream) - 1  # all but the one still buffered (the target)
    assert playout.stats.concealed >= 1 and playout.stats.concealed + playout.stats.recovered == 2
    assert np.abs(frames[10].astype(int)).max() > 0  # concealment, not a hole of silence


def test_a_burst_of_ten_losses_is_concealed_then_the_stream_goes_on() -> None:
    stream = packets(voice(1.5))
    playout = Playout()
    out = []
    for seq, p in enumerate(stream):
        if not 30 <= seq < 40:
            playout.add(seq, p)
        out.append(playout.take())
    frames = out[1:]
    assert all(f is not None and f.size == FRAME for f in frames)
    got = playout.stats
    assert got.stretched + got.concealed + got.recovered == 10  # a frame for every loss
    assert got.decoded == len(stream) - 10 - 1  # one still buffered: the target
    assert playout.depth <= playout.target + 1  # and no more delay than before the burst


def test_no_backlog_after_a_burst_of_late_packets() -> None:
    stream = packets(voice(1.0))
    playout = Playout(target=2, max_depth=6)
    for seq in range(5):
        playout.add(seq, stream[seq])
        playout.take()
    for _ in range(8):  # a stall: nothing arrives for 160 ms, the clock goes on
        playout.take()
    for seq in range(5, 30):  # then everything at once
        playout.add(seq, stream[seq])
    playout.take()
    assert playout.depth <= playout.target  # cut to the target, not 25 packets (500 ms) behind
    # the stall was concealed while waiting (packet 4 was still here), then cut back
    assert playout.stats.stretched == 7 and playout.stats.late == 0
    assert playout.stats.skipped > 0


def test_a_late_packet_is_waited_for_and_the_delay_adapts_then_shrinks() -> None:
    stream = packets(voice(20.5))
    playout = Playout(target=2)
    out: list[np.ndarray | None] = []
    arrivals: dict[int, list[int]] = {}
    for seq in range(len(stream)):  # a 60 ms hiccup: packets 50-52 all come with 53
        arrivals.setdefault(53 if 50 <= seq <= 53 else seq, []).append(seq)
    depths = []
    for tick in range(len(stream)):
        for seq in arrivals.get(tick, []):
            playout.add(seq, stream[seq])
        out.append(playout.take())
        depths.append(playout.depth)
    got = playout.stats
    # waited for them, concealing two frames, then played every one: nothing lost
    assert got.stretched == 2 and got.late == 0 and got.concealed == 0
    assert depths[60] == depths[40] + 2  # the delay grew by those two frames...
    assert got.skipped == 2 and depths[-1] == depths[40]  # ...and was given back later
    assert got.decoded == len(stream) - 1 - got.skipped
    assert all(f is not None for f in out[1:])


def test_reordered_and_duplicated_packets_play_once_in_order() -> None:
    stream = packets(voice(0.5))
    order = list(range(len(stream)))
    for i in range(0, len(order) - 1, 5):
        order[i], order[i + 1] = order[i + 1], order[i]
    playout, reference = Playout(target=3), Decoder(1)
    out = []
    for seq in order:
        playout.add(seq, stream[seq])
        playout.add(seq, stream[seq])  # every packet twice
        out.append(playout.take())
    got = [f for f in out if f is not None]
    expected = [reference.decode(p) for p in stream[: len(got)]]
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    assert playout.stats.duplicates == len(stream) and playout.stats.concealed == 0


def test_sequence_numbers_wrap_around() -> None:
    stream = packets(voice(0.4))
    playout = Playout()
    out = []
    for i, p in enumerate(stream):
        playout.add((65530 + i) & 0xFFFF, p)
        out.append(playout.take())
    assert sum(f is not None for f in out) == len(stream) - 1
    assert playout.stats.late == 0 and playout.stats.concealed == 0


def test_garbage_is_concealed_and_the_stream_recovers() -> None:
    stream = packets(voice(0.6))
    playout = Playout()
    rng = np.random.default_rng(3)
    for seq, p in enumerate(stream):
        bad = seq in (5, 12) or (seq == 20)
        payload = bytes(rng.integers(0, 256, 40, dtype=np.uint8)) if bad else p
        if seq == 20:
            payload = b"\xff\xff\xff"  # an invalid frame count: libopus refuses it
        playout.add(seq, payload)
        frame = playout.take()
        assert frame is None or frame.size == FRAME
    assert playout.stats.decoded >= len(stream) - 4


def test_a_sequence_jump_restarts_instead_of_waiting_forever() -> None:
    stream = packets(voice(0.8))
    playout = Playout()
    for seq in range(10):
        playout.add(seq, stream[seq])
        playout.take()
    for i, seq in enumerate(range(40_000, 40_020)):  # a new stream (a restarted sender)
        playout.add(seq, stream[10 + i])
        playout.take()
    assert playout.stats.restarts == 1 and playout.stats.late == 0
    assert playout.stats.decoded >= 25


def test_silence_from_the_sender_stops_concealment() -> None:
    stream = packets(voice(0.4))
    playout = Playout(give_up=5)
    for seq in range(10):
        playout.add(seq, stream[seq])
        playout.take()
    tail = play(playout, 12)
    assert tail[-1] is None and not playout.playing  # concealed a little, then silent
    assert all(f is not None for f in tail[:5])


def test_stereo_frames_are_interleaved() -> None:
    t = np.arange(48_000) / 48_000
    left, right = 6000 * np.sin(2 * np.pi * 300 * t), 6000 * np.sin(2 * np.pi * 700 * t)
    pcm = np.stack([left, right], axis=1).reshape(-1).astype(np.int16)
    enc = Encoder(2, 96_000, music=True)
    stream = [enc.encode(pcm[i : i + 2 * FRAME]) for i in range(0, pcm.size, 2 * FRAME)]
    playout = Playout(channels=2)
    frames = []
    for seq, p in enumerate(stream):
        playout.add(seq, p)
        if (f := playout.take()) is not None:
            frames.append(f)
    out = np.concatenate(frames).reshape(-1, 2).astype(float)
    spec_l, spec_r = np.abs(np.fft.rfft(out[:, 0])), np.abs(np.fft.rfft(out[:, 1]))
    freqs = np.fft.rfftfreq(out.shape[0], 1 / 48_000)
    assert freqs[spec_l.argmax()] == pytest.approx(300, abs=3)
    assert freqs[spec_r.argmax()] == pytest.approx(700, abs=3)


def test_libopus_refuses_what_is_not_opus() -> None:
    with pytest.raises(OpusError):
        packet_samples(b"")
    with pytest.raises(OpusError):
        Decoder(1).decode(b"\xff\xff\xff")
    assert packet_samples(packets(voice(0.1))[0]) == FRAME
