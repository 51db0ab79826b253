"""Incoming event payloads, validated into typed objects; failures become stable error codes."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from storage.log import storable

# Stable error codes; docs/events.md lists each with its meaning.
BAD_PAYLOAD = "bad_payload"
COMMENT_TOO_LONG = "comment_too_long"
NOT_IN_ROOM = "not_in_room"
UNKNOWN_ROOM = "unknown_room"
UNKNOWN_PRODUCT = "unknown_product"
UNKNOWN_CARD = "unknown_card"
SOLD_OUT = "sold_out"
UNKNOWN_ESCALATION = "unknown_escalation"
NOT_LEARNED = "not_learned"
UNAUTHORIZED = "unauthorized"
UNKNOWN_EVENT = "unknown_event"
RESERVED_EVENT = "reserved_event"
RATE_LIMITED = "rate_limited"
VIEWER_TAKEN = "viewer_taken"
ROOM_FULL = "room_full"
INTERNAL_ERROR = "internal_error"

# what a person may say in the room through the bot: a streamer's reply, announcement or timer, an
# operator's answer
REPLY_MAX_CHARS = 500
# such a message without its outer spaces: a blank one says nothing and is refused
SaidText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REPLY_MAX_CHARS)]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ID = r"^[A-Za-z0-9_.:@-]+$"


class EventError(Exception):
    """A refused event: becomes `{ok: false, error: {code, message}}` and an `error` event."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def storable_text(text: str) -> str:
    """Text every later step can keep: NFC-normalised, each lone surrogate ("hi \\ud800" arrives as
    valid JSON) replaced by U+FFFD, so the log, the encoder and the JSON sent back all take it."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", storable(text))  # the log's own surrogate replacement


class _Payload(BaseModel):
    # extra keys are ignored so that clients can grow; wrong types are refused, not coerced
    model_config = ConfigDict(extra="ignore", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, v: Any) -> Any:
        return storable_text(v) if isinstance(v, str) else v


class JoinRoom(_Payload):
    room_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    viewer_id: str = Field(min_length=1, max_length=128, pattern=_ID)
    name: str | None = Field(default=None, max_length=64)
    # the viewer_token an earlier join_room of this viewer id was given: needed to join as a viewer id
    # another live connection holds
    token: str | None = Field(default=None, max_length=128)

    @field_validator("name")
    @classmethod
    def _clean_name(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = _CONTROL.sub("", v).strip()
        return v or None


class CommentIn(_Payload):
    text: str

    @field_validator("text")
    @classmethod
    def _clean_text(cls, v: str) -> str:
        v = _CONTROL.sub(" ", v).strip()
        if not v:
            raise ValueError("comment text is empty")
        return v


class CardClick(_Payload):
    card_id: str = Field(min_length=1, max_length=64, pattern=_ID)


class AddToCart(_Payload):
    product_id: str = Field(min_length=1, max_length=64)
    card_id: str | None = Field(default=None, max_length=64)


class Purchase(_Payload):
    product_id: str = Field(min_length=1, max_length=64)
    qty: int = Field(default=1, ge=1, le=999)
    card_id: str | None = Field(default=None, max_length=64)


class StreamerJoin(_Payload):
    room_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    token: str = Field(min_length=1, max_length=256)


class QueueAnswer(_Payload):
    escalation_id: str = Field(min_length=1, max_length=64)
    text: SaidText | None = None
    use_guess: bool = False


class QueueDismiss(_Payload):
    escalation_id: str = Field(min_length=1, max_length=64)


M = TypeVar("M", bound=_Payload)


def parse(model: type[M], data: Any, event: str) -> M:
    """Validate one payload or raise EventError(bad_payload) naming the first problem."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise EventError(BAD_PAYLOAD, f"{event}: payload must be a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(x) for x in first["loc"]) or "payload"
        msg = first["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        raise EventError(BAD_PAYLOAD, f"{event}: {field}: {msg}") from None
