"""deploy/compose.yaml cannot run here (no image registry), so its structure is checked against the
product: the services the README describes, commands the CLI accepts, queues that exist and are all
served, environment variables the config reads, a config that selects the procrastinate backend on
PostgreSQL, voice files on a volume every web process and asr worker shares."""
from __future__ import annotations

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

from bot.cli import build_parser  # noqa: E402
from bot.config import ENV_OVERRIDES, load_config  # noqa: E402
from bot.processes import check  # noqa: E402
from bot.queue import QUEUES  # noqa: E402

DEPLOY = Path(__file__).parents[1] / "deploy"
README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def salesbot_args(service: dict) -> list[str]:
    command = service["command"]
    assert command[0] == "salesbot"
    return command[1:]


def queues_of(service: dict) -> list[str]:
    args = build_parser().parse_args(salesbot_args(service))
    return (args.queues or ",".join(QUEUES)).split(",")


def salesbot_services(compose) -> dict:
    return {name: s for name, s in compose["services"].items() if s.get("image") == "salesbot:latest"}


def test_the_services_are_postgres_two_web_processes_a_proxy_and_workers(compose):
    services = compose["services"]
    assert {"postgres", "migrate", "web1", "web2", "proxy", "asr", "worker"} <= set(services)
    commands = {name: build_parser().parse_args(salesbot_args(s)).func.__name__
                for name, s in salesbot_services(compose).items()}
    assert commands == {"migrate": "cmd_db_upgrade", "web1": "cmd_web", "web2": "cmd_web",
                        "asr": "cmd_worker", "worker": "cmd_worker"}
    assert services["asr"]["deploy"]["replicas"] == 2
    proxy = services["proxy"]["command"]
    assert [proxy[i + 1] for i, word in enumerate(proxy) if word == "--to"] == ["web1:8321", "web2:8321"]


def test_workers_serve_every_queue_and_only_asr_workers_transcribe(compose):
    assert queues_of(compose["services"]["asr"]) == ["asr"]
    assert "asr" not in queues_of(compose["services"]["worker"])
    assert set(queues_of(compose["services"]["asr"])) | set(queues_of(compose["services"]["worker"])) == set(QUEUES)


def test_the_environment_is_what_the_config_reads_and_the_config_selects_the_queue(compose):
    services = salesbot_services(compose)
    for name, service in services.items():
        env = service["environment"]
        assert set(env) - {"SALESBOT_CONFIG"} <= set(ENV_OVERRIDES), name
        assert env["SALESBOT_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "./cluster.toml:/etc/salesbot/config.toml:ro" in service["volumes"]
        args = build_parser().parse_args(salesbot_args(service))
        assert args.config == env["SALESBOT_CONFIG"] == "/etc/salesbot/config.toml"
    config = load_config(str(DEPLOY / "cluster.toml"),
                         env={"SALESBOT_DATABASE_URL": services["web1"]["environment"]["SALESBOT_DATABASE_URL"],
                              "SALESBOT_TELEGRAM_TOKEN": "123:abc"})
    check(config)   # procrastinate on PostgreSQL, Telegram in webhook mode: nothing refused
    assert config["queue"]["backend"] == "procrastinate"
    audio = config["storage"]["audio_dir"]
    for name in ("web1", "web2", "asr"):
        assert f"audio:{audio}" in services[name]["volumes"], name
    assert compose["services"]["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_readme_explains_the_cluster_with_the_files_as_they_are():
    assert "## When one machine is not enough" in README
    for words in ("deploy/compose.yaml", "salesbot worker --queues asr", "salesbot web", "queue depth",
                  "oldest_todo_s", "telegram set-webhook", '[queue] backend = "procrastinate"'):
        assert words in README, words
    assert (DEPLOY / "cluster.toml").read_text(encoding="utf-8").strip() in README
