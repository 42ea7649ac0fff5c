"""A contract's end from a note: 合同明年3月到期 -> the last day of that month (the resolver's
month-grain value); a day (12月31日到期) is that day, a quarter or a year its last day."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from nlu.dates import find_times

CONTRACT = re.compile(r"合同|协议|合约|服务期|年费|维保|租期|订阅|授权|续约|续费")
ENDS = re.compile(r"到期|截止|结束|期满|届满|终止|满期|到头")
CLAUSES = re.compile(r"[。！？!?；;，,\n]+")


def contract_end(text: str, ref: datetime) -> date | None:
    """The end day of the contract named in a clause with an end word; None when there is none."""
    if not isinstance(text, str) or not text or not (CONTRACT.search(text) and ENDS.search(text)):
        return None  # no clause can have both words: most notes stop here after two scans
    for clause in CLAUSES.split(text):
        if not (CONTRACT.search(clause) and ENDS.search(clause)):
            continue
        for found in find_times(clause, ref):
            if found.grain in ("month", "quarter", "year") and found.end is not None:
                return found.end.date() - timedelta(days=1)
            if found.grain in ("day", "hour", "minute", "second"):
                return found.start.date()
    return None
