"""Settings from the environment (prefix ROOMCAST_) and an optional .env file.

Built once by the CLI or a test, then passed to create_app(); nothing reads the environment
later. Dev mode generates a secret key once and keeps it in the data folder; outside dev mode
a missing secret is a startup error, never a silent default.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
MIN_SECRET_LENGTH = 32


class ConfigError(Exception):
    """A setting is missing or unsafe; the message says which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ROOMCAST_", env_file=".env", extra="ignore", frozen=True
    )

    dev: bool = Field(False, description="Development mode: generated secret, relaxed cookies.")
    data_dir: Path = Field(Path("data"), description="Database, secret and media files.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy async URL. Default: SQLite in the data folder. "
        "PostgreSQL: postgresql+asyncpg://user:pass@host/db",
    )
    secret_key: SecretStr | None = Field(None, description="Signs CSRF tokens. 32+ characters.")
    public_url: AnyHttpUrl | None = Field(
        None,
        description="The URL people reach the server at (behind a proxy: the https URL). "
        "Default: http://HOST:PORT.",
    )
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    auto_migrate: bool = Field(True, description="Apply database migrations at startup.")

    session_days: float = Field(30, gt=0, description="Sessions expire after this many days.")
    # argon2id: RFC 9106's second profile by default; never below OWASP's minimum (19 MiB,
    # 2 passes). Stored hashes carry their own; a changed setting rehashes at sign-in.
    password_hash_memory_kib: int = Field(
        65536, ge=19456, le=4 * 1024 * 1024, description="argon2id memory per hash, KiB."
    )
    password_hash_time_cost: int = Field(3, ge=2, le=20, description="argon2id passes.")
    host_grace_seconds: float = Field(
        60, ge=0, description="A room ends when its host stays away this long."
    )
    sweep_seconds: float = Field(1.0, gt=0, description="How often timed rules are checked.")
    login_burst: int = Field(10, ge=1, description="Login/signup attempts allowed at once.")
    login_refill_seconds: float = Field(6, gt=0, description="One attempt back every N seconds.")
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest accepted request body.")
    # caps: each bounds what one address or one person can take
    max_sockets_per_address: int = Field(
        100,
        ge=1,
        description="Open WebSockets (rooms and hallway) per client address. People behind "
        "one NAT (an office, a venue) share an address: raise it for them.",
    )
    room_burst: int = Field(5, ge=1, description="Rooms a user may start at once.")
    room_refill_seconds: float = Field(
        120, gt=0, description="One more room every N seconds, per user (an address: 4x)."
    )
    # media plane
    media_bitrate: int = Field(
        32_000,
        ge=16_000,
        le=64_000,
        description="Opus bits/s of speech mixes with no loss (25 % more while FEC is in use).",
    )
    music_bitrate: int = Field(
        128_000, ge=64_000, le=256_000, description="Opus bits/s of stereo mixes in music mode."
    )
    media_max_peers: int = Field(
        300, ge=1, description="WebRTC connections per room; past it, the room is full."
    )
    media_offer_burst: int = Field(
        6, ge=1, description="Audio connection offers per person per room at once."
    )
    media_offer_refill_seconds: float = Field(10, gt=0, description="One more every N seconds.")
    media_connect_timeout: float = Field(
        20, gt=0, description="An audio connection that does not complete ICE by then is closed."
    )
    media_host_addresses: list[str] = Field(
        default_factory=list,
        description="Addresses offered in ICE (default: every interface's). JSON list.",
    )
    media_ports: str | None = Field(
        None, pattern=r"^\d{1,5}-\d{1,5}$", description="UDP ports for media, e.g. 40000-40999."
    )
    ice_servers: list[str] = Field(
        default_factory=list,
        description='STUN/TURN URLs given to aiortc and browsers, e.g. ["stun:stun.example.org"]. '
        "None by default (aiortc would otherwise use Google's public STUN).",
    )
    ice_username: str | None = None
    ice_credential: SecretStr | None = None
    transcriber: str = Field(
        "pocketsphinx",
        pattern="^(pocketsphinx|none)$",
        description="Speech-to-text engine for episode transcripts, or none.",
    )
    episode_bitrate: int = Field(96_000, ge=32_000, le=320_000, description="MP3 bits/s.")
    job_retry_seconds: float = Field(30, gt=0, description="First retry delay of a failed job.")
    max_artwork_bytes: int = Field(
        8 * 1024 * 1024, ge=64 * 1024, description="Largest show artwork upload."
    )
    # email: reminders and notifications, to people who confirmed an address
    smtp_host: str | None = Field(
        None, description="SMTP server for emails (reminders, notifications). None: no email."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587: STARTTLS, 465: TLS).")
    smtp_security: str = Field(
        "starttls",
        pattern="^(starttls|tls|none)$",
        description="starttls (upgrade on 587), tls (implicit, 465) or none (a local relay).",
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(20, gt=0, description="Seconds to wait for the SMTP server.")
    mail_from: str | None = Field(
        None,
        description='The From of emails, e.g. "Roomcast <rooms@example.org>". '
        "Default: roomcast@ the public URL's host.",
    )
    mail_batch: int = Field(50, ge=1, le=1000, description="Emails sent per SMTP connection.")
    email_retry_attempts: int = Field(
        8, ge=1, description="Tries before an email is given up (the SMTP server is down)."
    )
    # payments: paid rooms, tickets and tips (README: "Selling tickets")
    payments: str | None = Field(
        None,
        pattern="^(stripe|local|none)$",
        description="stripe (Stripe Connect: creators' own accounts are paid), local (a test "
        "provider that completes purchases on a page of ours: dev mode only) or none. "
        "Default: local in dev mode, none otherwise.",
    )
    stripe_secret_key: SecretStr | None = Field(
        None, description="The platform's Stripe secret key (sk_live_... or sk_test_...)."
    )
    stripe_webhook_secret: SecretStr | None = Field(
        None,
        description="Signing secret (whsec_...) of the Connect webhook endpoint "
        "/api/payments/stripe/webhook, listening to events on connected accounts.",
    )
    stripe_api_base: str | None = Field(
        None,
        pattern=r"^https?://[^\s/]+(:\d+)?$",
        description="Another Stripe API address, e.g. stripe-mock's (tests); default Stripe's.",
    )
    platform_fee_percent: float = Field(
        0,
        ge=0,
        le=50,
        description="The operator's cut of each ticket and tip (an application fee).",
    )
    log_format: str = Field("text", pattern="^(text|json)$")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")

    @field_validator("public_url")
    @classmethod
    def _no_path_query(cls, v: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if v is not None and (v.query or v.fragment):
            raise ValueError("public_url must not have a query or fragment")
        return v

    @property
    def media_port_range(self) -> range | None:
        if self.media_ports is None:
            return None
        low, high = (int(x) for x in self.media_ports.split("-"))
        return range(low, high + 1)

    @model_validator(mode="after")
    def _ports_in_order(self) -> Self:
        ports = self.media_port_range
        if ports is not None and not (1024 <= ports.start <= ports.stop - 1 <= 65535):
            raise ValueError("media_ports must be LOW-HIGH with 1024 <= LOW <= HIGH <= 65535")
        return self

    @model_validator(mode="after")
    def _payments_configured(self) -> Self:
        if self.payments == "local" and not self.dev:
            raise ValueError(
                "payments=local is a test provider that hands out tickets for nothing: it is "
                "refused outside dev mode. Use payments=stripe (or none)."
            )
        if self.payment_provider == "stripe" and not (
            self.stripe_secret_key and self.stripe_webhook_secret
        ):
            raise ValueError(
                "payments=stripe needs ROOMCAST_STRIPE_SECRET_KEY and "
                "ROOMCAST_STRIPE_WEBHOOK_SECRET (README: Selling tickets)"
            )
        return self

    @property
    def payment_provider(self) -> str:
        return self.payments or ("local" if self.dev else "none")

    @model_validator(mode="after")
    def _secret_long_enough(self) -> Self:
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError(f"secret_key must be at least {MIN_SECRET_LENGTH} characters")
        return self

    # --- derived values ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """public_url without a trailing slash, for building absolute links."""
        if self.public_url is None:
            return f"http://{self.host}:{self.port}"
        return str(self.public_url).rstrip("/")

    @property
    def sender(self) -> str:
        return self.mail_from or f"Roomcast <roomcast@{urlsplit(self.base_url).hostname}>"

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'roomcast.db').resolve()}"

    def with_secret(self) -> Settings:
        """Return settings that carry a secret key, generating one in dev mode.

        The generated key is written once to the data folder (mode 0600) and reused, so
        sessions' CSRF tokens survive restarts.
        """
        if self.secret_key is not None:
            return self
        if not self.dev:
            raise ConfigError(
                "ROOMCAST_SECRET_KEY is not set. Outside dev mode the server needs a secret "
                f"key of at least {MIN_SECRET_LENGTH} characters, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, "
                "or run with ROOMCAST_DEV=1 on your own machine."
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / SECRET_FILE
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
                f.flush()
                os.fsync(f.fileno())
        key = path.read_text().strip()
        return self.model_copy(update={"secret_key": SecretStr(key)})

    @property
    def secret(self) -> bytes:
        if self.secret_key is None:
            raise ConfigError("settings have no secret key: call with_secret() first")
        return self.secret_key.get_secret_value().encode()
