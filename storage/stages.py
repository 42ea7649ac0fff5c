"""Deal stages come from config ([[stages]]); code never names one."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Stage:
    name: str
    probability: float
    stall_days: int
    idle_days: int | None = None  # overrides [reminders] idle_days for deals in this stage
    requires: tuple[str, ...] = field(default=())


def stages_from_config(config: dict | list) -> list[Stage]:
    """The [[stages]] list of a config dict (or the list itself) as Stage values, in order."""
    raw = config.get("stages") if isinstance(config, dict) else config
    if not raw:
        raise ValueError("config has no [[stages]]")
    stages = []
    for entry in raw:
        try:
            stages.append(Stage(
                name=str(entry["name"]),
                probability=float(entry.get("probability", 0)),
                stall_days=int(entry.get("stall_days", 30)),
                idle_days=int(entry["idle_days"]) if entry.get("idle_days") is not None else None,
                requires=tuple(entry.get("requires") or ()),
            ))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad [[stages]] entry {entry!r}: {exc}") from exc
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise ValueError("[[stages]] names must be unique")
    return stages


def stage_named(stages: list[Stage], name: str) -> Stage | None:
    return next((s for s in stages if s.name == name), None)
