from typing import Any

from django import template

from zhengwu.documents.models import STEP_LABELS

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def step_label(element_id: str) -> Any:
    return STEP_LABELS.get(element_id, element_id)
