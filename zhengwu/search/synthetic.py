"""Generated government articles for filling the index in benchmarks (``synthetic_fill``).

Text is assembled from sentence templates with slots (places, departments, topics, numbers);
every distinct sentence is segmented by jieba once and its words reused, so 100,000 rows are
prepared in seconds. The rows are real index rows (same columns, same token layout as
``actions._row``), so query plans and costs are those of production data.
"""

import datetime as dt
import random
import string
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from django.utils import timezone

from zhengwu.search import text
from zhengwu.search.actions import index_bulk_load
from zhengwu.search.models import SearchEntry

PLACES = ["云泽市", "泽兴区", "青川县", "白石镇", "临江街道", "东湖乡", "桃源村", "南山工业园",
          "北湖新区", "柳溪镇", "石门县", "凤鸣街道"]  # fmt: skip
DEPARTMENTS = [
    "市发展改革委", "市教育局", "市公安局", "市民政局", "市财政局", "市人力资源社会保障局",
    "市自然资源局", "市生态环境局", "市住房城乡建设局", "市交通运输局", "市农业农村局",
    "市商务局", "市卫生健康委", "市应急管理局", "市市场监管局", "市医保局",
    "市政务服务数据管理局", "市水利局", "市文化广电旅游局", "市退役军人事务局",
]  # fmt: skip
TOPICS = ["优化营商环境", "乡村振兴", "安全生产", "防汛抗旱", "疫情防控", "义务教育", "医疗保障",
          "养老服务", "就业创业", "生态环境保护", "招商引资", "城市更新", "老旧小区改造",
          "高标准农田建设", "食品安全", "森林防火", "数字政府建设", "一网通办", "减税降费",
          "稳岗就业", "垃圾分类", "河长制", "文明城市创建", "扫黑除恶", "农村人居环境整治",
          "中小企业发展", "科技创新", "住房公积金", "社会救助", "退役军人服务", "政务服务",
          "市场监管", "农业补贴", "社会保障", "交通运输", "医疗卫生", "职业教育"]  # fmt: skip
KINDS = ["会议", "通知", "调研", "检查", "培训", "座谈会", "推进会", "专项行动"]
TITLES = [
    "{place}召开{topic}工作{kind}",
    "{dept}部署{topic}{kind}",
    "关于做好{year}年{topic}工作的通知",
    "{dept}开展{topic}专项检查",
    "{place}{topic}取得阶段性成效",
    "《{place}{topic}实施方案》政策解读",
    "{dept}关于{topic}有关事项的公告",
    "{place}举办{topic}业务培训班",
]
SENTENCES = [
    "{date}，{dept}在{place}召开{topic}工作{kind}，研究部署下一阶段重点任务。",
    "会议强调，要深入贯彻落实党中央、国务院决策部署，把{topic}作为重要政治任务抓紧抓实。",
    "{place}围绕{topic}，累计投入资金{num}万元，惠及群众{num2}人。",
    "各地各部门要压实责任，细化措施，确保{topic}各项工作落到实处。",
    "{dept}主要负责同志出席会议并讲话，对{topic}提出具体要求。",
    "下一步，{place}将持续推进{topic}，不断提升人民群众的获得感、幸福感、安全感。",
    "截至目前，全市共完成{topic}项目{num3}个，完成年度目标的{pct}%。",
    "请各单位于{year}年{month}月{day}日前将{topic}工作总结报送{dept}。",
    "联系人及电话：{dept}办公室，0871-{phone}。",
    "本次{kind}采取实地查看、听取汇报、查阅资料相结合的方式进行。",
    "{place}坚持问题导向，聚焦{topic}中的堵点难点，推动政策直达快享。",
    "群众可通过政务服务网或12345热线咨询{topic}相关政策。",
    "{dept}将出台配套措施，统筹推进{topic}与{topic2}工作。",
]

SAMPLE_QUERIES = [
    "营商环境",  # common topic word
    "高标准农田",  # less common
    "防汛 检查",  # two words
    "石门县乡村振兴",  # place + topic
    "住房公积金政策解读",  # long phrase
    "河长制",  # short rare word
    "森林放火",  # typo of 森林防火 (lenient pass)
    "退役军人服务",
    "12345热线",
    "市医保局 通知",
]


@lru_cache(maxsize=20_000)
def _piece(piece: str) -> tuple[str, str]:
    """Index words and bigrams of one template fragment or slot value, computed once."""
    return " ".join(text.words(piece)), text.index_grams(piece)


@lru_cache(maxsize=200)
def _parsed(template: str) -> list[tuple[str, str | None]]:
    return [(literal, name) for literal, name, _spec, _conv in string.Formatter().parse(template)]


_SLOTS: dict[str, Any] = {
    "place": lambda rnd, when: rnd.choice(PLACES),
    "dept": lambda rnd, when: rnd.choice(DEPARTMENTS),
    "topic": lambda rnd, when: rnd.choice(TOPICS),
    "topic2": lambda rnd, when: rnd.choice(TOPICS),
    "kind": lambda rnd, when: rnd.choice(KINDS),
    "year": lambda rnd, when: str(when.year),
    "month": lambda rnd, when: str(rnd.randint(1, 12)),
    "day": lambda rnd, when: str(rnd.randint(1, 28)),
    "date": lambda rnd, when: f"{when.month}月{when.day}日",
    "num": lambda rnd, when: rnd.choice(["120", "350", "800", "1200", "2600", "5000"]),
    "num2": lambda rnd, when: rnd.choice(["3000", "12000", "56000", "210000"]),
    "num3": lambda rnd, when: rnd.choice(["12", "36", "58", "120", "260"]),
    "pct": lambda rnd, when: rnd.choice(["60", "75", "86", "92", "100"]),
    "phone": lambda rnd, when: rnd.choice(["63180001", "63180235", "64122810", "65013377"]),
}


def _fill(template: str, rnd: random.Random, when: dt.datetime) -> tuple[str, str, str]:
    """(text, words, bigrams) of the template with random slot values. Words and bigrams are
    those of each fragment and value (cached), joined: close to segmenting the whole."""
    pieces = []
    for literal, name in _parsed(template):
        if literal:
            pieces.append(literal)
        if name:
            pieces.append(_SLOTS[name](rnd, when))
    parts = [_piece(p) for p in pieces]
    return (
        "".join(pieces),
        " ".join(w for w, _g in parts if w),
        " ".join(g for _w, g in parts if g),
    )


def synthetic_rows(n: int, *, source: str = "synthetic", seed: int = 0) -> Iterator[SearchEntry]:
    rnd = random.Random(seed)  # noqa: S311 - test data, not security
    now = timezone.now()
    sites = [("portal", "云泽市人民政府")] + [
        (f"site{i}", dept) for i, dept in enumerate(DEPARTMENTS[:8])
    ]
    columns = [("yw", "要闻"), ("tzgg", "通知公告"), ("bmdt", "部门动态"), ("zcjd", "政策解读")]
    for i in range(n):
        when = now - dt.timedelta(days=rnd.randint(0, 3650), minutes=rnd.randint(0, 1440))
        title, title_words, title_grams = _fill(rnd.choice(TITLES), rnd, when)
        sentences = [_fill(rnd.choice(SENTENCES), rnd, when) for _ in range(rnd.randint(4, 9))]
        body = "".join(t for t, _w, _g in sentences)
        site, site_label = rnd.choice(sites)
        column, column_label = rnd.choice(columns)
        yield SearchEntry(
            source=source,
            key=f"article:{i}",
            site=site,
            site_label=site_label,
            column=column,
            column_label=column_label,
            kind="page",
            title=title,
            body=body,
            url=f"/{site}/{column}/{i}/",
            date=when,
            title_tokens=f"{title_words} {title_grams}",
            tokens=" ".join(w for _t, w, _g in sentences),
            grams=" ".join(g for _t, _w, g in sentences),
        )


def synthetic_fill(
    n: int,
    *,
    source: str = "synthetic",
    seed: int = 0,
    batch_size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``n`` generated articles under ``source`` (keys ``article:<i>``; the source must
    be empty). Returns the count."""
    done = 0
    rows = synthetic_rows(n, source=source, seed=seed)
    while done < n:
        batch = [row for _, row in zip(range(batch_size), rows, strict=False)]
        if not batch:
            break
        done += index_bulk_load(batch, batch_size=batch_size)
        if progress:
            progress(done)
    return done
