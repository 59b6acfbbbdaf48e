"""The built-in licence types, ensured on first use and by the demo loader.

Decision (docs/modules/licences.md): the five types every deployment needs are created by
``licence_types_ensure()``, which ``licence_issue`` calls when it meets an unknown code and the
demo loader calls up front. So a fresh database, a test and the demo all work without a fixture;
an administrator may change names and validity later (existing rows are never overwritten).

证照类型代码 = the defining authority's credit code + 3 digits (GB/T 36904). The national
catalogue's real codes are not published in a form we could verify (cn-standards §8.1 has one:
住建部 ``11100000000013338W`` from a worked example); the others are placeholders built with valid
checksums on the "national" region 100000 — replace them with the catalogue's codes in production.
"""

from dataclasses import dataclass

from django.db import transaction

from zhengwu.licences.models import HolderKind, Layout, LicenceType


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str
    type_code: str
    defining_authority: str
    layout: str
    layout_title: str
    number_prefix: str
    default_validity_years: int | None
    holder_kind: str


BUILT_IN: tuple[TypeSpec, ...] = (
    TypeSpec("food-business", "食品经营许可证", "11100000MB0000019L001", "国家市场监督管理总局",
             Layout.CERTIFICATE, "食品经营许可证", "JY", 5, HolderKind.ORGANISATION),
    TypeSpec("individual-business", "营业执照（个体工商户）", "11100000MB0000019L002",
             "国家市场监督管理总局", Layout.CERTIFICATE, "营业执照", "GT", None,
             HolderKind.ORGANISATION),
    TypeSpec("construction-permit", "建筑工程施工许可证", "11100000000013338W032",
             "中华人民共和国住房和城乡建设部", Layout.CERTIFICATE, "建筑工程施工许可证", "SG", None,
             HolderKind.ORGANISATION),
    TypeSpec("outdoor-ad", "户外广告设置许可证", "11100000MB0000027F001", "示范省住房和城乡建设厅",
             Layout.CERTIFICATE, "户外广告设置许可证", "HW", 3, HolderKind.ANY),
    TypeSpec("approval", "准予行政许可决定书", "11100000MB0000035A001", "国务院办公厅",
             Layout.DECISION, "准予行政许可决定书", "XK", None, HolderKind.ANY),
)  # fmt: skip


def licence_types_ensure() -> int:
    """Create the missing built-in types; returns how many were created (0 on a second run)."""
    existing = set(LicenceType.objects.values_list("code", flat=True))
    missing = [spec for spec in BUILT_IN if spec.code not in existing]
    if not missing:
        return 0
    with transaction.atomic():
        for spec in missing:
            LicenceType.objects.get_or_create(code=spec.code, defaults={
                "name": spec.name, "type_code": spec.type_code,
                "defining_authority": spec.defining_authority, "layout": spec.layout,
                "layout_title": spec.layout_title, "number_prefix": spec.number_prefix,
                "default_validity_years": spec.default_validity_years,
                "holder_kind": spec.holder_kind,
            })  # fmt: skip
    return len(missing)
