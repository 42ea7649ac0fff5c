"""Configuration lookup and overrides, as DESIGN.md specifies them."""
import tomllib
from pathlib import Path

import pytest

from bot.config import ConfigError, DEFAULTS_PATH, load_config

ROOT = Path(__file__).parent.parent


def test_repository_config_documents_exactly_the_defaults():
    with (ROOT / "config.toml").open("rb") as a, DEFAULTS_PATH.open("rb") as b:
        assert tomllib.load(a) == tomllib.load(b)


def test_defaults_without_any_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config["web"] == {"host": "127.0.0.1", "port": 8321, "origins": []}
    assert [s["name"] for s in config["stages"]][:3] == ["线索", "初步接触", "需求探询"]
    assert len(config["stages"]) == 12


def test_file_then_env_then_explicit_override(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text('[web]\nport = 9000\n[telegram]\ntoken = "from-file"\n')
    config = load_config(env={"SALESBOT_TELEGRAM_TOKEN": "from-env"})
    assert config["web"]["port"] == 9000 and config["web"]["host"] == "127.0.0.1"
    assert config["telegram"]["token"] == "from-env"
    other = tmp_path / "other.toml"
    other.write_text('[web]\nport = 9100\n')
    assert load_config(env={"SALESBOT_CONFIG": str(other)})["web"]["port"] == 9100
    assert load_config(str(other), env={}, overrides={"database": {"url": "sqlite://"}})["database"]["url"] == "sqlite://"


def test_missing_or_broken_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "nope.toml"), env={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[web\n")
    with pytest.raises(ConfigError):
        load_config(str(bad), env={})


def test_cli_reports_a_missing_config_as_usage_error(tmp_path, capsys):
    from bot.cli import main

    assert main(["--config", str(tmp_path / "nope.toml"), "dates", "明天"]) == 2
    assert "not found" in capsys.readouterr().err
