"""The catalogue as an Excel workbook (openpyxl): one sheet of items and one sheet each of
materials, fees and FAQs keyed by the implementation code. ``catalogue_workbook`` writes every
field; ``read_catalogue`` parses a workbook into ``ItemInput``s and reports each problem with the
sheet, row number and column header, in Chinese.
"""

import io
import json
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

from zhengwu.directory.models import Organisation
from zhengwu.eservices.models import (
    LifeEvent,
    ServiceItem,
    Topic,
)
from zhengwu.eservices.rules import FaqInput, FeeInput, ItemInput, MaterialInput, Problem

MAX_ROWS = 5000

# (key, header) — headers are the workbook's contract with its users, in Chinese on purpose:
# the file is exchanged with departments whatever the UI language.
ITEM_COLUMNS = [
    ("code", "实施编码"),
    ("name", "事项名称"),
    ("item_type", "事项类型"),
    ("organisation_code", "实施机构编码"),
    ("organisation", "实施机构"),
    ("handling_level", "行使层级"),
    ("audience", "服务对象"),
    ("topics", "主题"),
    ("life_events", "人生事件/企业生命周期"),
    ("summary", "事项简介"),
    ("legal_basis", "设定依据"),
    ("conditions", "受理条件"),
    ("process_description", "办理流程"),
    ("statutory_limit_days", "法定办结时限（工作日）"),
    ("promised_limit_days", "承诺办结时限（工作日）"),
    ("service_location", "办理地点"),
    ("service_hours", "办理时间"),
    ("visits_required", "到办事现场次数"),
    ("contact_phone", "咨询电话"),
    ("complaint_phone", "监督投诉电话"),
    ("online_depth", "网办深度（1-4）"),
    ("form_schema", "申请表单（JSON Schema）"),
    ("process_key", "办件流程标识"),
    ("status", "状态（仅导出）"),
    ("version", "版本（仅导出）"),
    ("published_at", "发布时间（仅导出）"),
]
MATERIAL_COLUMNS = [
    ("code", "实施编码"),
    ("position", "序号"),
    ("name", "材料名称"),
    ("required", "是否必需"),
    ("form", "材料形式"),
    ("copies", "份数"),
    ("notes", "备注"),
    ("blank_form", "空白表格（仅导出）"),
    ("sample", "示例样表（仅导出）"),
]
FEE_COLUMNS = [
    ("code", "实施编码"),
    ("position", "序号"),
    ("name", "收费项目"),
    ("amount", "金额（元）"),
    ("unit", "计费单位"),
    ("basis", "收费依据"),
]
FAQ_COLUMNS = [("code", "实施编码"), ("position", "序号"), ("question", "问题"), ("answer", "解答")]
SHEETS = {"items": "事项", "materials": "申请材料", "fees": "收费项目", "faqs": "常见问题"}
YES, NO = "是", "否"
MULTI_SEP = "、"

# Choices by their Chinese label, so that the sheet reads as people write it.
TYPE_LABELS = {
    "licensing": "行政许可",
    "confirmation": "行政确认",
    "benefit": "行政给付",
    "adjudication": "行政裁决",
    "reward": "行政奖励",
    "filing": "行政备案",
    "other_power": "其他行政权力",
    "public_service": "公共服务",
}
LEVEL_LABELS = {
    "province": "省级",
    "city": "市级",
    "county": "县级",
    "township": "乡级",
    "village": "村级",
}
AUDIENCE_LABELS = {"person": "个人", "legal_entity": "法人", "both": "个人和法人"}
FORM_LABELS = {
    "original": "原件",
    "copy": "复印件",
    "original_and_copy": "原件和复印件",
    "electronic": "电子件",
}
STATUS_LABELS = {
    "draft": "草稿",
    "under_review": "审核中",
    "published": "已发布",
    "withdrawn": "已下线",
}


def _cell(ws: Any, value: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        # Text stays text: "=HYPERLINK(…)" typed into a field must not become a live formula.
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell
    return WriteOnlyCell(ws, value=value)


def _sheet(wb: Workbook, title: str, columns: list[tuple[str, str]], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append([_cell(ws, header) for _key, header in columns])
    for row in rows:
        ws.append([_cell(ws, v) for v in row])


def catalogue_workbook(items: QuerySet[ServiceItem]) -> bytes:
    """Every field of ``items`` as an .xlsx file."""
    items = items.select_related("organisation").prefetch_related(
        "topics", "life_events", "materials__blank_form", "materials__sample", "fees", "faqs"
    )
    item_rows, material_rows, fee_rows, faq_rows = [], [], [], []
    for item in items:
        item_rows.append(
            [
                item.code,
                item.name,
                TYPE_LABELS[item.item_type],
                item.organisation.code or "",
                item.organisation.name,
                LEVEL_LABELS[item.handling_level],
                AUDIENCE_LABELS[item.audience],
                MULTI_SEP.join(t.name for t in item.topics.all()),
                MULTI_SEP.join(e.name for e in item.life_events.all()),
                item.summary,
                item.legal_basis,
                item.conditions,
                item.process_description,
                item.statutory_limit_days if item.statutory_limit_days is not None else "",
                item.promised_limit_days,
                item.service_location,
                item.service_hours,
                item.visits_required,
                item.contact_phone,
                item.complaint_phone,
                item.online_depth,
                json.dumps(item.form_schema, ensure_ascii=False) if item.form_schema else "",
                item.process_key,
                STATUS_LABELS[item.status],
                item.version,
                timezone.localtime(item.published_at).strftime("%Y-%m-%d %H:%M")
                if item.published_at
                else "",
            ]
        )
        for i, m in enumerate(item.materials.all(), 1):
            material_rows.append(
                [
                    item.code,
                    i,
                    m.name,
                    YES if m.required else NO,
                    FORM_LABELS[m.form],
                    m.copies,
                    m.notes,
                    m.blank_form.original_name if m.blank_form_id else "",
                    m.sample.original_name if m.sample_id else "",
                ]
            )
        for i, f in enumerate(item.fees.all(), 1):
            fee_rows.append([item.code, i, f.name, float(f.amount), f.unit, f.basis])
        for i, q in enumerate(item.faqs.all(), 1):
            faq_rows.append([item.code, i, q.question, q.answer])
    wb = Workbook(write_only=True)
    _sheet(wb, SHEETS["items"], ITEM_COLUMNS, item_rows)
    _sheet(wb, SHEETS["materials"], MATERIAL_COLUMNS, material_rows)
    _sheet(wb, SHEETS["fees"], FEE_COLUMNS, fee_rows)
    _sheet(wb, SHEETS["faqs"], FAQ_COLUMNS, faq_rows)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int  # the spreadsheet's own row number (header = 1)
    column: str  # header text, "" for the whole row
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Sheet “%(sheet)s”, row %(row)s, column “%(column)s”: %(message)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Sheet “%(sheet)s”, row %(row)s: %(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "message": self.message,
        }


@dataclass
class ParsedItem:
    row: int
    data: ItemInput
    organisation: Organisation | None
    material_rows: list[int] = field(default_factory=list)
    fee_rows: list[int] = field(default_factory=list)
    faq_rows: list[int] = field(default_factory=list)


@dataclass
class ParsedCatalogue:
    items: list[ParsedItem]
    errors: list[RowError]
    # Child sheets present in the workbook; an absent one leaves existing children unchanged.
    sections: set[str] = field(default_factory=set)


class WorkbookUnreadable(Exception):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(
    ws: Any, columns: list[tuple[str, str]], errors: list[RowError], sheet: str
) -> list[tuple[int, dict[str, Any]]]:
    """Rows as {key: value} by header text (column order may differ); blank rows skipped."""
    it = ws.iter_rows(values_only=True)
    header = next(it, None)
    if header is None:
        return []
    by_header = {_text(h): i for i, h in enumerate(header) if _text(h)}
    missing = [
        h
        for key, h in columns
        if "仅导出" not in h and h not in by_header and key != "organisation"
    ]
    if missing:
        errors.append(
            RowError(
                sheet,
                1,
                "",
                _("Missing columns: %(columns)s.") % {"columns": MULTI_SEP.join(missing)},
            )
        )
        return []
    out = []
    for number, values in enumerate(it, start=2):
        if number > MAX_ROWS + 1:
            errors.append(
                RowError(
                    sheet, number, "", _("Too many rows (at most %(max)s).") % {"max": MAX_ROWS}
                )
            )
            break
        if values is None or all(v is None or _text(v) == "" for v in values):
            continue
        row = {
            key: (values[by_header[h]] if h in by_header and by_header[h] < len(values) else None)
            for key, h in columns
        }
        out.append((number, row))
    return out


def _int(value: Any) -> int | None:
    text = _text(value)
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if number != number.to_integral_value():
        raise ValueError
    return int(number)


def _choice(value: Any, labels: dict[str, str]) -> str:
    text = _text(value)
    for key, label in labels.items():
        if text in (key, label):
            return key
    raise ValueError


def read_catalogue(upload: Any) -> ParsedCatalogue:
    """Parse the workbook; problems of form are reported here, rules by ``rules.check_item``."""
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        TypeError,
    ) as exc:
        raise WorkbookUnreadable(str(exc)) from None
    errors: list[RowError] = []
    if SHEETS["items"] not in wb.sheetnames:
        errors.append(
            RowError(
                SHEETS["items"],
                1,
                "",
                _("The workbook has no sheet “%(sheet)s”.") % {"sheet": SHEETS["items"]},
            )
        )
        return ParsedCatalogue([], errors)
    headers = dict(ITEM_COLUMNS)
    topics = {t.name: t for t in Topic.objects.all()}
    events = list(LifeEvent.objects.all())
    orgs_by_code = {o.code: o for o in Organisation.objects.exclude(code="")}
    items: dict[str, ParsedItem] = {}
    for number, row in _rows(wb[SHEETS["items"]], ITEM_COLUMNS, errors, SHEETS["items"]):

        def bad(key: str, message: str, number: int = number) -> None:
            errors.append(RowError(SHEETS["items"], number, headers[key], message))

        code = _text(row["code"])
        if not code:
            bad("code", _("This field is required."))
            continue
        if code.lower() in (c.lower() for c in items):
            bad("code", _("The code appears twice in the sheet."))
            continue
        values: dict[str, Any] = {}
        for key, labels in (
            ("item_type", TYPE_LABELS),
            ("handling_level", LEVEL_LABELS),
            ("audience", AUDIENCE_LABELS),
        ):
            try:
                values[key] = _choice(row[key], labels)
            except ValueError:
                values[key] = ""
                bad(key, _("Use one of: %(values)s.") % {"values": MULTI_SEP.join(labels.values())})
        for key in (
            "statutory_limit_days",
            "promised_limit_days",
            "visits_required",
            "online_depth",
        ):
            try:
                values[key] = _int(row[key])
            except ValueError:
                values[key] = 0
                bad(key, _("Enter a whole number."))
        if values["visits_required"] is None:
            values["visits_required"] = 0
        if values["online_depth"] is None:
            values["online_depth"] = 1
        schema_text = _text(row["form_schema"])
        schema: Any = {}
        if schema_text:
            try:
                schema = json.loads(schema_text)
            except ValueError:
                bad("form_schema", _("This is not valid JSON."))
        org_code = _text(row["organisation_code"])
        organisation = orgs_by_code.get(org_code)
        if organisation is None:
            bad(
                "organisation_code",
                _("No organisation has the code “%(code)s”.") % {"code": org_code}
                if org_code
                else _("This field is required."),
            )
        chosen_topics = []
        for name in filter(None, (p.strip() for p in _text(row["topics"]).split(MULTI_SEP))):
            if name in topics:
                chosen_topics.append(topics[name])
            else:
                bad("topics", _("Unknown topic “%(name)s”.") % {"name": name})
        chosen_events = []
        for name in filter(None, (p.strip() for p in _text(row["life_events"]).split(MULTI_SEP))):
            found = [e for e in events if e.name == name]
            if len(found) > 1:
                found = [e for e in found if e.audience == values["audience"]]
            if len(found) == 1:
                chosen_events.append(found[0])
            else:
                bad("life_events", _("Unknown life event “%(name)s”.") % {"name": name})
        data = ItemInput(
            name=_text(row["name"]),
            code=code,
            item_type=values["item_type"],
            audience=values["audience"],
            handling_level=values["handling_level"],
            summary=_text(row["summary"]),
            legal_basis=_text(row["legal_basis"]),
            conditions=_text(row["conditions"]),
            process_description=_text(row["process_description"]),
            statutory_limit_days=values["statutory_limit_days"],
            promised_limit_days=values["promised_limit_days"],
            service_location=_text(row["service_location"]),
            service_hours=_text(row["service_hours"]),
            visits_required=values["visits_required"],
            contact_phone=_text(row["contact_phone"]),
            complaint_phone=_text(row["complaint_phone"]),
            online_depth=values["online_depth"],
            form_schema=schema,
            process_key=_text(row["process_key"]),
            topics=chosen_topics,
            life_events=chosen_events,
        )
        items[code] = ParsedItem(number, data, organisation)
    by_code = {c.lower(): p for c, p in items.items()}
    sections = _read_children(wb, by_code, errors)
    return ParsedCatalogue(list(items.values()), errors, sections)


def _read_children(wb: Any, by_code: dict[str, ParsedItem], errors: list[RowError]) -> set[str]:
    sections = set()
    for section, columns in (
        ("materials", MATERIAL_COLUMNS),
        ("fees", FEE_COLUMNS),
        ("faqs", FAQ_COLUMNS),
    ):
        sheet = SHEETS[section]
        if sheet not in wb.sheetnames:
            continue
        sections.add(section)
        headers = dict(columns)
        for number, row in _rows(wb[sheet], columns, errors, sheet):

            def bad(
                key: str,
                message: str,
                number: int = number,
                sheet: str = sheet,
                headers: dict[str, str] = headers,
            ) -> None:
                errors.append(RowError(sheet, number, headers[key], message))

            parsed = by_code.get(_text(row["code"]).lower())
            if parsed is None:
                bad(
                    "code",
                    _("No item with this code in the sheet “%(sheet)s”.")
                    % {"sheet": SHEETS["items"]},
                )
                continue
            if section == "materials":
                required = _text(row["required"]) or YES
                if required not in (YES, NO):
                    bad("required", _("Use 是 or 否."))
                try:
                    form = _choice(row["form"], FORM_LABELS)
                except ValueError:
                    form = ""
                    bad(
                        "form",
                        _("Use one of: %(values)s.")
                        % {"values": MULTI_SEP.join(FORM_LABELS.values())},
                    )
                try:
                    copies = _int(row["copies"])
                except ValueError:
                    copies = 0
                    bad("copies", _("Enter a whole number."))
                parsed.data.materials.append(
                    MaterialInput(
                        name=_text(row["name"]),
                        form=form,
                        required=required == YES,
                        copies=1 if copies is None else copies,
                        notes=_text(row["notes"]),
                    )
                )
                parsed.material_rows.append(number)
            elif section == "fees":
                try:
                    amount = Decimal(_text(row["amount"]))
                except InvalidOperation:
                    amount = Decimal(-1)
                parsed.data.fees.append(
                    FeeInput(
                        name=_text(row["name"]),
                        amount=amount,
                        basis=_text(row["basis"]),
                        unit=_text(row["unit"]),
                    )
                )
                parsed.fee_rows.append(number)
            else:
                parsed.data.faqs.append(
                    FaqInput(question=_text(row["question"]), answer=_text(row["answer"]))
                )
                parsed.faq_rows.append(number)
    return sections


def problem_location(parsed: ParsedItem, problem: Problem) -> RowError:
    """Where a rule's problem sits in the workbook."""
    if problem.section:
        columns = dict(
            {"materials": MATERIAL_COLUMNS, "fees": FEE_COLUMNS, "faqs": FAQ_COLUMNS}[
                problem.section
            ]
        )
        rows = {
            "materials": parsed.material_rows,
            "fees": parsed.fee_rows,
            "faqs": parsed.faq_rows,
        }[problem.section]
        index = problem.index or 0
        return RowError(
            SHEETS[problem.section],
            rows[index] if index < len(rows) else parsed.row,
            columns.get(problem.field, ""),
            problem.message,
        )
    header = dict(ITEM_COLUMNS).get(problem.field, "")
    return RowError(SHEETS["items"], parsed.row, header, problem.message)
