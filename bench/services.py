"""Online services benchmark (issue 4, "Performance").

Metrics (each a function ``bench_<metric>(report, quick)`` listed in ``METRICS``):

- ``submission_ratio`` — submitting an application through the HTTP stack (the item's form with
  one 200 KB file posted with 提交, as a browser does: case made, workflow started, audit written)
  ≥ 0.10 × a minimal JSON view behind the same middleware, same gunicorn, rounds interleaved.
- ``licence_issue_ratio`` — issuing a licence through ``licences.actions.licence_issue`` (number,
  HTML, QR code, WeasyPrint, pyHanko signature with the visible seal, stored file, licence row,
  audit entry, notification) ≥ 0.70 × the throughput of a bare loop of WeasyPrint + pyHanko on the
  same template in the same run. The bare loop is given the rendered HTML and a pyHanko
  ``SimpleSigner`` built once (key loaded once), and stamps the same seal image: it is the
  cheapest honest way to produce the same signed PDF. App and bare documents alternate, so both
  see the same machine load; the ratio is of the medians.

    .venv/bin/python bench/services.py [--quick] [--only submission]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zw_bench .venv/bin/python bench/services.py

Uses Django's test-database machinery (``test_zw_bench_services`` on PostgreSQL, /tmp on SQLite),
dropped at the end. ``--quick`` shrinks the sizes 10×, never the targets.
"""

import datetime as dt
import io
import itertools
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, arguments, bench_database, setup_django

NAME = "services"
LICENCE_TARGET = 0.70


# --- licence_issue_ratio -------------------------------------------------------------------------


class LicenceWorld:
    """A department with a credit code, its certificate and seal, and an enterprise holder."""

    def __init__(self) -> None:
        from zhengwu.directory.actions import organisation_create
        from zhengwu.directory.models import Region
        from zhengwu.identifiers.checksums import generate_credit_code
        from zhengwu.signing.actions import certificate_issue, root_ensure, seal_generate

        region, _ = Region.objects.get_or_create(code="990100", defaults={"name": "云泽市",
                                                                           "level": 2})  # fmt: skip
        city = organisation_create(actor=None, name="云泽市人民政府", kind="government",
                                   region=region, code="bench-city")  # fmt: skip
        self.bureau = organisation_create(
            actor=None, name="市市场监督管理局", kind="department", region=region, parent=city,
            code="bench-scjg", credit_code=generate_credit_code("1", "1", "990100", "MB000777"),
        )  # fmt: skip
        root_ensure(actor=None)
        certificate_issue(actor=None, organisation=self.bureau)
        seal_generate(actor=None, organisation=self.bureau)
        self.holder_code = generate_credit_code("9", "1", "990102", "MA765432")
        self.cases = itertools.count(1)
        self.fields = {
            "法定代表人（负责人）": "王伟", "住所": "云泽市青川区望江路18号",
            "经营场所": "云泽市青川区望江路18号一层", "主体业态": "餐饮服务经营者（小型餐馆）",
            "经营项目": "热食类食品制售；冷食类食品制售",
            "日常监督管理机构": "云泽市市场监督管理局青川分局",
        }  # fmt: skip

    def issue(self) -> Any:
        from zhengwu.licences.actions import licence_issue

        return licence_issue(
            actor=None, licence_type="food-business", holder_name="云泽市望江餐饮有限公司",
            holder_id_number=self.holder_code, issuing_organisation=self.bureau,
            fields=self.fields, valid_from=dt.date(2026, 1, 5), valid_until=None,
            owner_type="bench.case", owner_id=next(self.cases),  # one licence per case
        )  # fmt: skip


class BareLoop:
    """WeasyPrint + pyHanko only, on the HTML of an issued licence, with the same key and seal."""

    def __init__(self, world: LicenceWorld, licence: Any) -> None:
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from cryptography.hazmat.primitives import serialization
        from pyhanko.sign.signers import SimpleSigner
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        from zhengwu.licences.rendering import SEAL_CENTRES, LicenceDocument, render_html
        from zhengwu.signing import crypto
        from zhengwu.signing.models import Seal
        from zhengwu.signing.pdf import SealPlacement
        from zhengwu.signing.selectors import active_certificate

        cert_row = active_certificate(world.bureau)
        key = crypto.decrypt_private_key(bytes(cert_row.encrypted_key))
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip

        def asn1(cert: Any) -> Any:
            return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

        chain = crypto.load_certificates(cert_row.chain_pem.encode()) if cert_row.chain_pem else []
        self.signer = SimpleSigner(
            signing_cert=asn1(crypto.load_pem(cert_row.certificate_pem)),
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in chain]),
        )
        from PIL import Image

        seal = Seal.objects.select_related("image").get(organisation=world.bureau)
        with seal.image.file.open("rb") as handle:
            self.seal_image = Image.open(io.BytesIO(handle.read()))
            self.seal_image.load()
        doc = LicenceDocument(
            layout=licence.licence_type.layout, title=licence.licence_type.layout_title,
            type_name=licence.licence_type.name, type_code=licence.licence_type.type_code,
            number=licence.number, identifier=licence.identifier,
            holder_name=licence.holder_name, holder_id_number=licence.holder_id_number,
            holder_code_type=licence.holder_code_type, holder_code_label="统一社会信用代码",
            issuer_name="云泽市市场监督管理局", issuer_code=licence.issuer_code,
            issued_on=licence.issued_at.date(), valid_from=licence.valid_from,
            valid_until=licence.valid_until, verify_url=f"http://127.0.0.1:8000{licence.verify_url}",
            fields=licence.fields,
        )  # fmt: skip
        self.html = render_html(doc)
        cx, cy, diameter = SEAL_CENTRES[doc.layout]
        self.placement = SealPlacement.centred_at(page=0, cx_mm=cx, cy_mm=cy, diameter_mm=diameter)

    def run(self) -> bytes:
        from pyhanko.pdf_utils import images, layout
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.sign.fields import SigSeedSubFilter
        from pyhanko.stamp import StaticStampStyle
        from weasyprint import HTML

        pdf = HTML(string=self.html).write_pdf(custom_metadata=True)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        box = self.placement.box_points(841.89, 595.28)
        style = StaticStampStyle(
            background=images.PdfImage(self.seal_image), border_width=0, background_opacity=1.0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
            ),
        )  # fmt: skip
        meta = signers.PdfSignatureMetadata(field_name="Signature1", reason="颁发电子证照",
                                            subfilter=SigSeedSubFilter.PADES,
                                            md_algorithm="sha256")  # fmt: skip
        spec = fields.SigFieldSpec(sig_field_name="Signature1", on_page=0, box=box)
        signer = signers.PdfSigner(meta, self.signer, stamp_style=style, new_field_spec=spec)
        return signer.sign_pdf(writer).getvalue()


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_licence_issue(report: Report, quick: bool) -> None:
    from zhengwu.signing.services import pdf_verify

    world = LicenceWorld()
    first = world.issue()  # warm-up: fonts, signer cache, licence types
    bare = BareLoop(world, first)
    if pdf_verify(bare.run()).status != "valid":  # the reference must make a valid licence too
        raise RuntimeError("the bare loop's PDF does not verify")
    world.issue()
    count = 4 if quick else 40
    app_times, bare_times = [], []
    for _ in range(count):
        app_times.append(_timed(world.issue))
        bare_times.append(_timed(bare.run))
    from zhengwu.licences.models import Licence

    if Licence.objects.count() != count + 2:  # every call really issued a new licence
        raise RuntimeError("licence_issue did not issue one licence per call")
    app, ref = statistics.median(app_times), statistics.median(bare_times)
    report.info(f"licence_issue app={1 / app:.2f}/s ({app * 1000:.0f} ms) "
                f"bare WeasyPrint+pyHanko={1 / ref:.2f}/s ({ref * 1000:.0f} ms), "
                f"{count} documents each")  # fmt: skip
    report.metric("licence_issue_ratio", ref / app, ">=", LICENCE_TARGET)


# --- submission ------------------------------------------------------------
SUBMISSION_TARGET = 0.10
UPLOAD_BYTES = 200 * 1024


def submission_app() -> Any:
    """gunicorn factory (``bench.services:submission_app()``): the project's app plus a minimal
    public JSON view (the reference) behind the same middleware."""
    setup_django()
    from django.core.wsgi import get_wsgi_application
    from django.http import JsonResponse
    from django.urls import path

    import config.urls
    from zhengwu.core.access import public

    @public
    def minimal(request: Any) -> JsonResponse:
        return JsonResponse({"ok": True})

    config.urls.urlpatterns[:0] = [path("__bench/json/", minimal)]
    return get_wsgi_application()


def _submission_world(clients: int) -> tuple[str, int, list[str]]:
    """A published item with a form and one required material, the case roles, and ``clients``
    signed-in citizens; returns (item code, material id, session cookies)."""
    import datetime as dt

    from django.contrib.auth.models import Permission
    from django.test import Client

    from zhengwu.directory.actions import organisation_create
    from zhengwu.directory.models import Account, Person, Region, Role, RoleAssignment
    from zhengwu.eservices import actions as catalogue
    from zhengwu.eservices.cases import case_processes_setup
    from zhengwu.eservices.models import ServiceItem
    from zhengwu.eservices.rules import ItemInput, MaterialInput
    from zhengwu.identifiers.checksums import generate_resident_id
    from zhengwu.identity.testing import sign_in

    region, _ = Region.objects.get_or_create(code="990100", defaults={"name": "云泽市",
                                                                       "level": 2})  # fmt: skip
    org = organisation_create(actor=None, name="市市场监督管理局（办件）", kind="department",
                              region=region, code="bench-cases")  # fmt: skip
    perm = Permission.objects.filter(
        content_type__app_label="eservices",
        codename__in=["handle_application", "decide_application"],
    )
    for code, name in (("clerk", "受理员"), ("reviewer", "审核员"), ("leader", "部门领导")):
        role, _created = Role.objects.get_or_create(code=code, defaults={"name": name})
        role.permissions.add(*perm)
        staff = Account.objects.create_user(f"bench-{code}", "Xx-12345678", display_name=name,
                                            kind="staff", organisation=org)  # fmt: skip
        RoleAssignment.objects.create(account=staff, role=role, organisation=org)
    case_processes_setup(actor=None)
    item = catalogue.service_item_create(actor=None, organisation=org, data=ItemInput(
        name="食品经营许可（基准）", code="BENCH-CASE-1", item_type="licensing",
        audience="person", legal_basis="《食品安全法》", conditions="有经营场所。",
        process_description="申请、受理、审查、决定。", statutory_limit_days=20,
        promised_limit_days=10, online_depth=4,
        form_schema={"type": "object", "required": ["shop_name", "area"], "properties": {
            "shop_name": {"type": "string", "title": "店铺名称", "maxLength": 50},
            "area": {"type": "integer", "title": "经营面积", "minimum": 1}}},
        materials=[MaterialInput(name="申请书", form="original")],
    ))  # fmt: skip
    ServiceItem.objects.filter(pk=item.pk).update(status=ServiceItem.Status.PUBLISHED)
    cookies = []
    for n in range(clients):
        person = Person.objects.create(
            name=f"申请人{n}", id_number=generate_resident_id("990100", dt.date(1990, 1, 1), n + 1)
        )
        account = Account.objects.create_user(f"bench-citizen{n}", "Xx-12345678",
                                              display_name=person.name, kind="citizen",
                                              person=person)  # fmt: skip
        client = Client()
        sign_in(client, account)
        cookies.append(client.cookies["sessionid"].value)
    return item.code, item.materials.get().pk, cookies


def _submit_once(session: Any, base: str, code: str, material: int, upload: bytes) -> None:
    """The item's application form posted once, as a browser does after "在线申请": the fields,
    one file and 提交, with the form's fresh idempotency token; the case page follows."""
    r = session.post(
        f"{base}/services/items/{code}/apply/", allow_redirects=False, timeout=60,
        headers={"X-CSRFToken": session.cookies.get("csrftoken")},
        data={"action": "submit", "shop_name": "基准面馆", "area": "30",
              "idempotency_token": secrets.token_urlsafe(24)},
        files={f"material_{material}": ("申请书.pdf", upload, "application/pdf")},
    )  # fmt: skip
    if r.status_code != 302 or "/services/my/" not in r.headers.get("Location", ""):
        raise RuntimeError(f"submit: HTTP {r.status_code} {r.text[:300]}")


def _throughput(work: Callable[[int], None], threads: int, seconds: float) -> float:
    """Completed calls per second with ``threads`` clients working for ``seconds``."""
    import threading

    done = [0] * threads
    errors: list[BaseException] = []
    stop = time.perf_counter() + seconds

    def loop(i: int) -> None:
        try:
            while time.perf_counter() < stop:
                work(i)
                done[i] += 1
        except Exception as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)

    started = time.perf_counter()
    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return sum(done) / (time.perf_counter() - started)


def bench_submission(report: Report, quick: bool) -> None:
    """Sustained submissions (the application form with one 200 KB upload posted with 提交: case
    made, workflow started, audit written) per second vs a minimal JSON view, same gunicorn,
    interleaved rounds."""
    import os
    import socket
    import subprocess

    import requests
    from django.db import connection

    threads = 4
    seconds = 3.0 if quick else 15.0
    rounds = 2 if quick else 3
    code, material, cookies = _submission_world(threads)
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{settings_dict['NAME']}"
    else:
        database_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + settings_dict["NAME"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [str(Path(__file__).resolve().parent.parent / ".venv/bin/gunicorn"), "-w", "2",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120",
         "bench.services:submission_app()"],
        cwd=Path(__file__).resolve().parent.parent,
        # Persistent connections, as production runs (docs/operations.md): a connection per
        # request would be measured against a reference view that opens none.
        env={**os.environ, "DATABASE_URL": database_url, "ZHENGWU_DB_CONN_MAX_AGE": "60"},
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                requests.get(base + "/__bench/json/", timeout=60)
                break
            except requests.RequestException:
                time.sleep(0.5)
        sessions = []
        for cookie in cookies:
            session = requests.Session()
            session.cookies.set("sessionid", cookie)
            session.get(f"{base}/services/items/{code}/", timeout=30)  # sets csrftoken
            sessions.append(session)
        upload = (b"%PDF-1.4\n" + b"0" * UPLOAD_BYTES)[:UPLOAD_BYTES] + b"\n%%EOF\n"
        json_sessions = [requests.Session() for _ in range(threads)]

        def json_call(i: int) -> None:
            if json_sessions[i].get(base + "/__bench/json/", timeout=30).status_code != 200:
                raise RuntimeError("json view failed")

        def submit_call(i: int) -> None:
            _submit_once(sessions[i], base, code, material, upload)

        submit_call(0)  # warm-up: imports, first process, first file
        json_rates, submit_rates = [], []
        for _ in range(rounds):
            json_rates.append(_throughput(json_call, threads, seconds))
            submit_rates.append(_throughput(submit_call, threads, seconds))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    from zhengwu.audit.models import AuditEntry
    from zhengwu.eservices.models import Application

    submitted = Application.objects.exclude(number=None).count()
    audited = AuditEntry.objects.filter(action="eservices.application.submit").count()
    json_rate, submit_rate = statistics.median(json_rates), statistics.median(submit_rates)
    report.info(f"minimal JSON view={json_rate:.1f} req/s, submission (form + 200 KB upload, "
                f"one post)={submit_rate:.1f}/s, {threads} clients, 2 gunicorn workers; "
                f"{submitted} cases numbered, {audited} audited")  # fmt: skip
    report.metric("submission_ratio", submit_rate / json_rate, ">=", SUBMISSION_TARGET)


METRICS: list[Callable[[Report, bool], None]] = [
    bench_submission,
    bench_licence_issue,
]


def main() -> int:
    args = arguments(__doc__.splitlines()[0], only=True)
    setup_django()
    with bench_database("zw_bench_services"):
        report = Report(NAME)
        for metric in METRICS:
            if args.only in metric.__name__:
                metric(report, args.quick)
        return report.finish()


if __name__ == "__main__":
    sys.exit(main())
