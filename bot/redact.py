"""One redaction for everything the process writes as text: no secret reaches a log line, a traceback
or an error message.

Two nets, both applied by `redact()`:
- the values of the configured secrets (WeCom secret, token and AES key, the robot key, the Telegram
  token and webhook secret, the API token, a database password), replaced wherever they appear;
- the shapes secrets take in URLs whatever their value: `corpsecret=`, `access_token=`, `key=`,
  `token=`, `secret=` query parameters and the bot token in Telegram's `/bot<token>/` paths.

`install()` puts it into logging itself (the record factory), so every record of every library —
httpx's request lines, python-telegram-bot's network errors, an exception's traceback — is redacted
before any handler, formatter or test's capture sees it.
"""
from __future__ import annotations

import logging
import re
import traceback
from urllib.parse import urlsplit

MASK = "***"
MIN_SECRET = 6      # shorter configured values would mask ordinary words
QUERY = re.compile(r"(?i)\b((?:corp)?secret|access_token|[a-z_]*key|[a-z_]*token|password|sign)=([^&\s'\"<>;,)]+)")
TELEGRAM = re.compile(r"(/(?:file/)?bot)(\d{3,}:[A-Za-z0-9_-]{10,})")
SECRET_KEYS = {"telegram": ("token", "webhook_secret"), "wecom": ("secret", "token", "encoding_aes_key", "robot_key"),
               "api": ("token",)}

_secrets: set[str] = set()


def add_secrets(*values) -> None:
    """Registers values that must never be written out."""
    for value in values:
        text = str(value or "").strip()
        if len(text) >= MIN_SECRET:
            _secrets.add(text)


def secrets_from_config(config: dict) -> None:
    """Registers every secret the configuration holds."""
    for section, keys in SECRET_KEYS.items():
        for key in keys:
            add_secrets((config.get(section) or {}).get(key))
    url = str((config.get("database") or {}).get("url") or "")
    if "://" in url:
        try:
            add_secrets(urlsplit(url).password)
        except ValueError:
            pass


def redact(text) -> str:
    """The text with every known secret and every secret-shaped URL part masked."""
    text = str(text)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    text = QUERY.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return TELEGRAM.sub(lambda m: f"{m.group(1)}{MASK}", text)


def _redacted_record_factory(make):
    def factory(*args, **kwargs):
        record = make(*args, **kwargs)
        try:
            record.msg, record.args = redact(record.getMessage()), ()
        except Exception:   # a record whose arguments do not format: logging reports it as usual
            return record
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record
    factory.salesbot_redacts = True
    return factory


def install(config: dict | None = None) -> None:
    """Redacts every log record from now on (idempotent); registers the config's secrets."""
    if config is not None:
        secrets_from_config(config)
    current = logging.getLogRecordFactory()
    if not getattr(current, "salesbot_redacts", False):
        logging.setLogRecordFactory(_redacted_record_factory(current))
