"""The value types that channels and the conversation exchange. No SDK type ever crosses this line.

A channel turns each update into an Inbound and each Outbound into its own API calls; the
conversation sees only these.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Voice:
    """Recorded audio as received: the bytes and the container format (ogg, amr, webm, wav, mp3, m4a)."""

    data: bytes
    format: str
    duration: float | None = None


@dataclass(frozen=True)
class Attachment:
    """An image or file, inbound or outbound."""

    data: bytes
    filename: str
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Button:
    """One button; `data` comes back as Inbound.action when it is pressed."""

    text: str
    data: str


@dataclass(frozen=True)
class Inbound:
    """Something a person sent: a text, a voice note, a file, or a button press (`action`).

    `user_id` is the person's account on the channel, `chat_id` where the reply goes and
    `message_id` the channel's id of this message (unique within the chat): together with the
    channel they identify a delivery, so a second delivery of the same message is recognised.
    """

    channel: str
    user_id: str
    chat_id: str
    message_id: str
    received_at: datetime
    text: str = ""
    voice: Voice | None = None
    file: Attachment | None = None
    action: str | None = None
    reply_to: str | None = None
    user_name: str = ""

    @property
    def key(self) -> str:
        """The delivery key: the same message delivered again has the same key."""
        return f"{self.channel}:{self.chat_id}:{self.message_id}"


@dataclass(frozen=True)
class Outbound:
    """Something to show a person: text with optional buttons (rows), an image or a file.

    `edit` names a message sent earlier whose text and buttons this one replaces; `reply_to`
    the message it answers.
    """

    channel: str
    chat_id: str
    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    image: Attachment | None = None
    file: Attachment | None = None
    reply_to: str | None = None
    edit: str | None = None
    meta: dict = field(default_factory=dict, compare=False)


def button_rows(*rows: list[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
    """Button rows from (text, data) pairs: button_rows([("确认", "ok:1"), ("修改", "fix:1")])."""
    return tuple(tuple(Button(text, data) for text, data in row) for row in rows if row)


AUDIO_FORMATS = {
    "audio/ogg": "ogg", "audio/opus": "ogg", "audio/webm": "webm", "video/webm": "webm",
    "audio/amr": "amr", "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav",
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/mp4": "m4a", "audio/x-m4a": "m4a",
    "audio/m4a": "m4a", "audio/aac": "m4a", "audio/silk": "silk",
}
AUDIO_SUFFIXES = {"ogg", "oga", "opus", "webm", "amr", "wav", "mp3", "m4a", "aac", "silk", "mp4"}


def audio_format(mime: str | None = None, filename: str | None = None) -> str | None:
    """The audio format named by a MIME type or file name, or None when it is not audio."""
    base = (mime or "").split(";")[0].strip().lower()
    if base in AUDIO_FORMATS:
        return AUDIO_FORMATS[base]
    suffix = (filename or "").rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
    if suffix in AUDIO_SUFFIXES:
        return {"oga": "ogg", "opus": "ogg", "aac": "m4a", "mp4": "m4a"}.get(suffix, suffix)
    if base.startswith("audio/"):
        return base.split("/", 1)[1]
    return None
