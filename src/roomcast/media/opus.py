"""libopus itself, through ctypes: the encoder and decoder calls PyAV does not expose.

PyAV's libopus wrapper (FFmpeg's libopusenc/libopusdec) fixes in-band FEC and the expected
packet loss when the encoder opens, and has no way to decode a packet's FEC data or to
conceal a lost packet. libopus has all of it (``OPUS_SET_PACKET_LOSS_PERC`` at any time,
``opus_decode(..., decode_fec=1)``, ``opus_decode(NULL)`` for concealment), so the media
plane calls it directly. The library is the one the pinned PyAV wheel ships (so its version
moves only with ``av`` in pyproject.toml), or the system's libopus where PyAV has none of its
own (a PyAV built against the system's FFmpeg).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 48_000
MAX_FRAME = 5760  # samples per channel in the longest Opus packet (120 ms at 48 kHz)
MAX_PACKET = 4000  # bytes: libopus' own recommendation for an encode buffer

APPLICATION_VOIP, APPLICATION_AUDIO = 2048, 2049
SIGNAL_VOICE, SIGNAL_MUSIC = 3001, 3002
_SET_BITRATE = 4002
_SET_VBR = 4006
_SET_INBAND_FEC = 4012
_GET_INBAND_FEC = 4013
_SET_PACKET_LOSS_PERC = 4014
_GET_PACKET_LOSS_PERC = 4015
_SET_SIGNAL = 4024
_RESET_STATE = 4028

Pcm = npt.NDArray[np.int16]


class OpusError(Exception):
    """libopus refused: a bad packet, a bad argument (its own message)."""


def _candidates() -> list[str]:
    import av

    root = Path(av.__file__).resolve().parent
    bundled = [*root.parent.glob("av.libs/libopus*.so*"), *root.glob(".dylibs/libopus*.dylib")]
    found = [str(p) for p in sorted(bundled)]
    system = ctypes.util.find_library("opus")
    if system:
        found.append(system)
    return found


@cache
def library() -> ctypes.CDLL:
    """The libopus in use (loaded once). OSError, naming the places looked in, if none."""
    tried = _candidates()
    for path in tried:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        _declare(lib)
        return lib
    raise OSError(
        f"libopus not found (looked in {tried or 'PyAV and the system'}); "
        "install libopus0 (Debian) or a PyAV wheel"
    )


def version() -> str:
    return str(library().opus_get_version_string().decode())


def _declare(lib: ctypes.CDLL) -> None:
    p, i, i16p, u8p = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int16), ctypes.c_char_p
    lib.opus_get_version_string.restype = ctypes.c_char_p
    lib.opus_strerror.restype, lib.opus_strerror.argtypes = ctypes.c_char_p, [i]
    lib.opus_decoder_create.restype = p
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, i, ctypes.POINTER(i)]
    lib.opus_decoder_destroy.argtypes = [p]
    lib.opus_decode.restype = i
    lib.opus_decode.argtypes = [p, u8p, ctypes.c_int32, i16p, i, i]
    lib.opus_encoder_create.restype = p
    lib.opus_encoder_create.argtypes = [ctypes.c_int32, i, i, ctypes.POINTER(i)]
    lib.opus_encoder_destroy.argtypes = [p]
    lib.opus_encode.restype = ctypes.c_int32
    lib.opus_encode.argtypes = [p, i16p, i, u8p, ctypes.c_int32]
    # opus_encoder_ctl and opus_decoder_ctl are variadic: no argtypes, ints passed as c_int
    lib.opus_encoder_ctl.restype = lib.opus_decoder_ctl.restype = i
    lib.opus_packet_get_nb_samples.restype = i
    lib.opus_packet_get_nb_samples.argtypes = [u8p, ctypes.c_int32, ctypes.c_int32]
    if hasattr(lib, "opus_packet_has_lbrr"):  # libopus 1.5 and newer
        lib.opus_packet_has_lbrr.restype = i
        lib.opus_packet_has_lbrr.argtypes = [u8p, ctypes.c_int32]


def _check(code: int) -> int:
    if code < 0:
        raise OpusError(library().opus_strerror(code).decode())
    return code


def packet_samples(packet: bytes) -> int:
    """Samples per channel at 48 kHz in this packet; OpusError if it is not Opus."""
    if not packet:
        raise OpusError("empty packet")
    return _check(library().opus_packet_get_nb_samples(packet, len(packet), RATE))


def has_fec(packet: bytes) -> bool:
    """Does this packet carry in-band FEC for the one before it? (True where libopus is too
    old to tell: decoding its FEC then falls back to concealment by itself.)"""
    lib = library()
    if not packet or not hasattr(lib, "opus_packet_has_lbrr"):
        return bool(packet)
    return bool(lib.opus_packet_has_lbrr(packet, len(packet)) > 0)


class Encoder:
    """One Opus stream at 48 kHz: 20 ms frames in, one packet each out."""

    def __init__(self, channels: int, bitrate: int, *, music: bool = False) -> None:
        lib = library()
        err = ctypes.c_int(0)
        app = APPLICATION_AUDIO if music else APPLICATION_VOIP
        self._lib = lib
        self._st = lib.opus_encoder_create(RATE, channels, app, ctypes.byref(err))
        _check(err.value)
        self.channels = channels
        self._out = ctypes.create_string_buffer(MAX_PACKET)
        self._ctl(_SET_SIGNAL, SIGNAL_MUSIC if music else SIGNAL_VOICE)
        self._ctl(_SET_VBR, 1)
        self.set_bitrate(bitrate)

    def _ctl(self, request: int, value: int) -> None:
        _check(self._lib.opus_encoder_ctl(ctypes.c_void_p(self._st), request, ctypes.c_int(value)))

    def _get(self, request: int) -> int:
        out = ctypes.c_int(0)
        _check(self._lib.opus_encoder_ctl(ctypes.c_void_p(self._st), request, ctypes.byref(out)))
        return out.value

    def set_bitrate(self, bitrate: int) -> None:
        self._ctl(_SET_BITRATE, bitrate)
        self.bitrate = bitrate

    def set_fec(self, on: bool, loss_percent: int) -> None:
        """In-band FEC on/off and the loss the encoder should expect (0..100 %): libopus
        spends bits on redundancy only when both are set, more of them as loss grows."""
        self._ctl(_SET_INBAND_FEC, 1 if on else 0)
        self._ctl(_SET_PACKET_LOSS_PERC, max(0, min(100, loss_percent)))

    @property
    def fec(self) -> tuple[bool, int]:
        return bool(self._get(_GET_INBAND_FEC)), self._get(_GET_PACKET_LOSS_PERC)

    def encode(self, pcm: Pcm) -> bytes:
        """Interleaved int16 samples (a whole number of channels) in, one packet out."""
        pcm = np.ascontiguousarray(pcm, dtype=np.int16)
        frame = pcm.size // self.channels
        n = self._lib.opus_encode(
            self._st,
            pcm.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)),
            frame,
            self._out,
            MAX_PACKET,
        )
        return self._out.raw[: _check(n)]

    def __del__(self) -> None:
        st, self._st = getattr(self, "_st", None), None
        if st:
            self._lib.opus_encoder_destroy(st)


class Decoder:
    """Decodes Opus packets to interleaved int16 at 48 kHz; also FEC and concealment."""

    def __init__(self, channels: int) -> None:
        lib = library()
        err = ctypes.c_int(0)
        self._lib = lib
        self._st = lib.opus_decoder_create(RATE, channels, ctypes.byref(err))
        _check(err.value)
        self.channels = channels
        self._pcm = np.zeros(MAX_FRAME * channels, dtype=np.int16)
        self._ptr = self._pcm.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))

    def _run(self, packet: bytes | None, samples: int, fec: bool) -> Pcm:
        n = self._lib.opus_decode(
            self._st, packet, len(packet) if packet else 0, self._ptr, samples, int(fec)
        )
        return self._pcm[: _check(n) * self.channels].copy()

    def decode(self, packet: bytes) -> Pcm:
        """A whole packet (any duration); OpusError for garbage, the state kept."""
        return self._run(packet, MAX_FRAME, False)

    def decode_fec(self, next_packet: bytes, samples: int) -> Pcm:
        """The lost packet before `next_packet`, `samples` long, from its in-band FEC data
        (libopus conceals instead where the packet carries none)."""
        return self._run(next_packet, samples, True)

    def conceal(self, samples: int) -> Pcm:
        """Packet-loss concealment: `samples` per channel continuing what came before."""
        return self._run(None, samples, False)

    def reset(self) -> None:
        _check(self._lib.opus_decoder_ctl(ctypes.c_void_p(self._st), _RESET_STATE))

    def __del__(self) -> None:
        st, self._st = getattr(self, "_st", None), None
        if st:
            self._lib.opus_decoder_destroy(st)
