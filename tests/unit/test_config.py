from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from roomcast.config import ConfigError, Settings


def make(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def test_missing_secret_outside_dev_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ROOMCAST_SECRET_KEY"):
        make(data_dir=tmp_path).with_secret()


def test_dev_generates_secret_once(tmp_path: Path) -> None:
    a = make(dev=True, data_dir=tmp_path).with_secret()
    b = make(dev=True, data_dir=tmp_path).with_secret()
    assert a.secret == b.secret and len(a.secret) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_short_secret_refused() -> None:
    with pytest.raises(ValidationError):
        make(secret_key="short")


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROOMCAST_PUBLIC_URL", "https://rooms.example.org/")
    monkeypatch.setenv("ROOMCAST_DATA_DIR", str(tmp_path))
    s = make()
    assert s.base_url == "https://rooms.example.org" and s.secure_cookies
    assert s.db_url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'roomcast.db'}"


def test_default_public_url_follows_host_and_port() -> None:
    s = make(host="127.0.0.1", port=9000)
    assert s.base_url == "http://127.0.0.1:9000" and not s.secure_cookies


def test_public_url_without_query() -> None:
    with pytest.raises(ValidationError):
        make(public_url="https://x.example/?a=1")


def test_media_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOMCAST_ICE_SERVERS", '["stun:stun.example.org"]')  # JSON in the env
    s = make(media_ports="40000-40099")
    assert s.media_port_range == range(40000, 40100)
    assert s.ice_servers == ["stun:stun.example.org"]
    for bad in ("100-200", "5000-4000", "1-2-3", "abc"):
        with pytest.raises(ValidationError):
            make(media_ports=bad)
    with pytest.raises(ValidationError):
        make(media_bitrate=96_000)  # speech bitrates only


def test_the_local_payment_provider_is_refused_outside_dev_mode() -> None:
    """It hands out tickets for nothing: a server that is not a developer's must not run it."""
    assert make(dev=True).payment_provider == "local"
    assert make().payment_provider == "none"
    with pytest.raises(ValidationError, match="refused outside dev mode"):
        make(payments="local")
    with pytest.raises(ValidationError, match="STRIPE_SECRET_KEY"):
        make(payments="stripe")
    with pytest.raises(ValidationError):
        make(platform_fee_percent=60)
    ok = make(
        payments="stripe",
        stripe_secret_key="sk_test_x",
        stripe_webhook_secret="whsec_x",
        platform_fee_percent=2.5,
    )
    assert ok.payment_provider == "stripe"


def test_password_hashing_cost_never_below_owasps_minimum() -> None:
    s = make()
    assert (s.password_hash_memory_kib, s.password_hash_time_cost) == (65536, 3)  # RFC 9106
    make(password_hash_memory_kib=19456, password_hash_time_cost=2)
    for bad in ({"password_hash_memory_kib": 8192}, {"password_hash_time_cost": 1}):
        with pytest.raises(ValidationError):
            make(**bad)
