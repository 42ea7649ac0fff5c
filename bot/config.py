"""Configuration: built-in defaults <- config file <- environment (secrets and the database URL)."""
from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path

DEFAULTS_PATH = Path(__file__).with_name("defaults.toml")

# env var -> (section, key)
ENV_OVERRIDES = {
    "SALESBOT_DATABASE_URL": ("database", "url"),
    "SALESBOT_TELEGRAM_TOKEN": ("telegram", "token"),
    "SALESBOT_WECOM_SECRET": ("wecom", "secret"),
    "SALESBOT_WECOM_TOKEN": ("wecom", "token"),
    "SALESBOT_WECOM_AES_KEY": ("wecom", "encoding_aes_key"),
    "SALESBOT_API_TOKEN": ("api", "token"),
}


class ConfigError(Exception):
    """The config file is missing or not valid TOML."""


def _merge(base: dict, override: dict) -> dict:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def find_config_file(path: str | None = None, env: dict | None = None) -> Path | None:
    """--config, then $SALESBOT_CONFIG, then ./config.toml; None means built-in defaults only."""
    env = os.environ if env is None else env
    chosen = path or env.get("SALESBOT_CONFIG")
    if chosen:
        if not Path(chosen).is_file():
            raise ConfigError(f"config file not found: {chosen}")
        return Path(chosen)
    local = Path("config.toml")
    return local if local.is_file() else None


def load_config(path: str | None = None, *, env: dict | None = None, overrides: dict | None = None) -> dict:
    """The effective configuration as a plain dict."""
    env = os.environ if env is None else env
    with DEFAULTS_PATH.open("rb") as f:
        config = tomllib.load(f)
    found = find_config_file(path, env)
    if found:
        try:
            with found.open("rb") as f:
                _merge(config, tomllib.load(f))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{found}: {exc}") from exc
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            config.setdefault(section, {})[key] = env[var]
    if overrides:
        _merge(config, copy.deepcopy(overrides))
    return config
