"""Per-person clearance (密级) on the receiving side, through a hook.

The clearance of a person belongs to ``documents`` (``DocumentClearance``), a higher layer that
exchange may not import; documents registers its rule here in ``AppConfig.ready``. Without a
registered rule nobody is cleared for classified documents (fail closed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# exchange stores 密级 as the printed label; "" = not classified
LEVEL_RANK = {"": 0, "秘密": 1, "机密": 2, "绝密": 3}

_rule: Callable[[Any], int] | None = None


def register_clearance_rule(rule: Callable[[Any], int]) -> None:
    """``rule(account) -> rank`` (0 = unclassified only … 3 = 绝密)."""
    global _rule
    _rule = rule


def clearance_rank(account: Any) -> int:
    if account is None or not getattr(account, "is_authenticated", False):
        return -1
    if _rule is None:
        return 3 if account.is_superuser else 0
    return _rule(account)


def level_rank(level: str) -> int:
    return LEVEL_RANK.get(level or "", 3)  # an unknown label counts as the highest


def is_cleared(account: Any, level: str) -> bool:
    return level_rank(level) <= clearance_rank(account)


def cleared_levels(account: Any) -> list[str]:
    rank = clearance_rank(account)
    return [level for level, r in LEVEL_RANK.items() if r <= rank]
