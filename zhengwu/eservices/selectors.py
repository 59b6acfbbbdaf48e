"""Queries of the catalogue: the public side sees published items only; staff see the items
of the organisations they maintain (``eservices.change_serviceitem``) or review
(``eservices.publish_serviceitem``), scoped with ``organisations_where``."""

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from zhengwu.core.db.prepared import PreparedQuery, set_prefetched
from zhengwu.core.errors import NotFound
from zhengwu.directory.models import Organisation
from zhengwu.directory.selectors import account_has_perm_in, organisations_where
from zhengwu.eservices.models import Audience, LifeEvent, Material, ServiceItem, Topic

CHANGE_PERM = "eservices.change_serviceitem"
PUBLISH_PERM = "eservices.publish_serviceitem"
MAX_QUERY = 100
MAX_TERMS = 10

# --------------------------------------------------------------------------- public


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).select_related(
        "organisation"
    )


def catalogue_departments() -> list[Organisation]:
    """Organisations with published items, in directory order, annotated with ``item_count``."""
    return list(
        Organisation.objects.filter(service_items__status=ServiceItem.Status.PUBLISHED)
        .annotate(item_count=Count("service_items"))
        .order_by("sort_path")
    )


def _audience_filter(audience: str) -> Q:
    return Q(audience__in=[audience, Audience.BOTH])


def catalogue_topics(audience: str) -> list[Topic]:
    """Topics with at least one published item for ``audience``, with ``item_count``."""
    published = Q(serviceitem__status=ServiceItem.Status.PUBLISHED) & Q(
        serviceitem__audience__in=[audience, Audience.BOTH]
    )
    return list(
        Topic.objects.filter(_audience_filter(audience))
        .annotate(item_count=Count("serviceitem", filter=published))
        .filter(item_count__gt=0)
    )


def catalogue_life_events(audience: str) -> list[LifeEvent]:
    """Life events of ``audience`` (all of them, so the tab shows the whole life cycle), with
    ``item_count`` of published items."""
    published = Q(serviceitem__status=ServiceItem.Status.PUBLISHED)
    return list(
        LifeEvent.objects.filter(audience=audience).annotate(
            item_count=Count("serviceitem", filter=published)
        )
    )


def department_items(organisation_id: int) -> tuple[Organisation, QuerySet[ServiceItem]]:
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:
        raise NotFound()
    items = published_items().filter(organisation=org)
    if not items.exists():
        raise NotFound()
    return org, items.order_by("name", "pk")


def topic_items(code: str) -> tuple[Topic, QuerySet[ServiceItem]]:
    topic = Topic.objects.filter(code=code).first()
    if topic is None:
        raise NotFound()
    return topic, published_items().filter(topics=topic).order_by("organisation__sort_path", "name")


def life_event_items(code: str) -> tuple[LifeEvent, QuerySet[ServiceItem]]:
    event = LifeEvent.objects.filter(code=code).first()
    if event is None:
        raise NotFound()
    items = published_items().filter(life_events=event)
    return event, items.order_by("organisation__sort_path", "name")


def _item_to_apply(code: str) -> QuerySet[ServiceItem]:
    joint = ServiceItem.joint_organisations.through.objects.filter(serviceitem=OuterRef("pk"))
    return (
        published_items()
        .select_related("organisation__region")
        .annotate(has_joint_organisations=Exists(joint))
        .filter(code=code)
        .order_by()[:1]  # codes are unique: no ORDER BY (and its join) for .first()
    )


# The apply button's hot path (a submission's first reads): compiled once.
_ITEM_TO_APPLY = PreparedQuery[ServiceItem](_item_to_apply, code=str)
_MATERIALS_OF = PreparedQuery[Material](
    lambda item: Material.objects.filter(item_id=item).order_by("position", "pk"), item=int
)


def item_to_apply(code: str) -> ServiceItem:
    """A published item without what only its guide shows, with its materials."""
    item = _ITEM_TO_APPLY.first(code=code)
    if item is None:
        raise NotFound()
    set_prefetched(item, "materials", _MATERIALS_OF.all(item=item.pk))
    return item


def published_item(code: str) -> ServiceItem:
    """The guide (办事指南) of a published item with everything it shows; NotFound otherwise."""
    item = (
        published_items()
        .prefetch_related(
            "topics",
            "life_events",
            "fees",
            "faqs",
            Prefetch("materials", Material.objects.select_related("blank_form", "sample")),
        )
        .filter(code=code)
        .first()
    )
    if item is None:
        raise NotFound()
    return item


def published_material_file(code: str, material_id: int, kind: str) -> Any:
    """The blank form or sample (a ``StoredFile``) of a material of a published item."""
    if kind not in ("blank_form", "sample"):
        raise NotFound()
    material = (
        Material.objects.select_related(kind)
        .filter(pk=material_id, item__code=code, item__status=ServiceItem.Status.PUBLISHED)
        .first()
    )
    stored = getattr(material, kind, None) if material else None
    if stored is None:
        raise NotFound()
    return stored


# --------------------------------------------------------------------------- search

_jieba: Any = None
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
STOP_WORDS = frozenset(
    {
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "在",
        "是",
        "怎么",
        "如何",
        "办理",
        "我",
        "要",
        "哪里",
        "什么",
        "吗",
        "呢",
        "需要",
    }
)


def _segmenter() -> Any:
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba


def search_terms(query: str) -> list[str]:
    """The query cut into words by jieba (search mode: long words and their parts), without
    punctuation and stop words, longest first, at most ``MAX_TERMS``."""
    query = (query or "").replace("\x00", " ").strip()[:MAX_QUERY].lower()
    if not query:
        return []
    terms: list[str] = []
    for chunk in query.split():
        for word in _segmenter().cut_for_search(chunk):
            word = word.strip()
            if not word or _PUNCT.match(word) or word in STOP_WORDS or word in terms:
                continue
            terms.append(word)
    # Single characters (个, 办, 证…) match almost everything: keep them only when the query has
    # nothing longer. Prefer the longer words when there are too many.
    if any(len(t) > 1 for t in terms):
        terms = [t for t in terms if len(t) > 1]
    return sorted(terms, key=len, reverse=True)[:MAX_TERMS]


@dataclass(frozen=True)
class SearchHit:
    item: ServiceItem
    score: int
    in_name: bool


def search_catalogue(query: str) -> tuple[list[str], list[SearchHit]]:
    """Published items matching any term, ranked: items whose *name* holds the terms first
    (most terms, then longer terms), then matches in the summary, conditions or materials.
    The terms are passed to the database as parameters (``icontains``), never as SQL."""
    terms = search_terms(query)
    if not terms:
        return terms, []
    match = Q()
    for term in terms:
        match |= Q(name__icontains=term) | Q(search_text__contains=term)
    hits = []
    for item in published_items().filter(match):
        name = item.name.lower()
        name_terms = [t for t in terms if t in name]
        text_terms = [t for t in terms if t in item.search_text]
        score = 100 * sum(len(t) for t in name_terms) + sum(len(t) for t in text_terms)
        if name_terms and len(name_terms) == len(terms):
            score += 10_000  # every word of the query is in the name
        hits.append(SearchHit(item, score, bool(name_terms)))
    hits.sort(key=lambda h: (-h.score, h.item.name, h.item.pk))
    return terms, hits


# --------------------------------------------------------------------------- staff


def maintained_organisations(account: Any) -> QuerySet[Organisation]:
    """Organisations whose items ``account`` may edit."""
    return organisations_where(account, CHANGE_PERM).filter(is_active=True)


def staff_items(account: Any, *, status: str = "", search: str = "") -> QuerySet[ServiceItem]:
    """Items of the organisations the account maintains or reviews."""
    scope = organisations_where(account, CHANGE_PERM) | organisations_where(account, PUBLISH_PERM)
    items = ServiceItem.objects.filter(organisation__in=scope.values("pk")).select_related(
        "organisation", "updated_by"
    )
    if status in ServiceItem.Status.values:
        items = items.filter(status=status)
    search = (search or "").replace("\x00", "").strip()[:100]
    if search:
        items = items.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return items.order_by("organisation__sort_path", "name", "pk")


def access_service_item(account: Any, item_id: Any) -> ServiceItem:
    """The item if the account maintains or reviews its organisation; the same ``NotFound``
    for missing and forbidden."""
    if not str(item_id).isdigit():
        raise NotFound()
    item = (
        ServiceItem.objects.select_related("organisation", "updated_by")
        .prefetch_related(
            "topics",
            "life_events",
            "fees",
            "faqs",
            Prefetch("materials", Material.objects.select_related("blank_form", "sample")),
        )
        .filter(pk=int(item_id))
        .first()
    )
    if item is None or not (may_edit(account, item) or may_review(account, item)):
        raise NotFound()
    return item


def may_edit(account: Any, item: ServiceItem) -> bool:
    return account_has_perm_in(account, CHANGE_PERM, item.organisation)


def may_review(account: Any, item: ServiceItem) -> bool:
    return account_has_perm_in(account, PUBLISH_PERM, item.organisation)


def review_instance(item: ServiceItem) -> Any:
    """The running review process of the item, if any (for a link to it)."""
    from zhengwu.workflow.models import ProcessInstance

    return (
        ProcessInstance.objects.filter(owner_type="eservices.service_item", owner_id=str(item.pk))
        .order_by("-started_at", "-pk")
        .first()
    )
