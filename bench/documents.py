"""Official documents benchmark (issue 5, "Performance").

1. ``render_seal_ratio``: rendering a 3-page notice per GB/T 9704 and sealing it through the
   app's own code path (``documents.actions.seal_document_pdf``: layout with the seal position
   read from WeasyPrint's boxes, then ``signing.pdf_sign`` with the unit's certificate, visible
   seal, signing record and audit entry) ≥ 0.70 × the throughput of a bare loop on the same
   HTML: ``weasyprint.HTML(...).write_pdf(pdf_variant="pdf/a-2b")`` + pyHanko ``PdfSigner``
   (invisible signature, same key type) — both printed.
2. ``fanout_ratio``: ``exchange.dispatch_send`` of one sealed document to 500 units ≤ 20× the
   time to send it to 1 unit (fan-out batched, not one slow round-trip per unit).

    .venv/bin/python bench/documents.py [--quick]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zw_bench .venv/bin/python bench/documents.py

A throw-away database (``test_zw_bench_docs`` on PostgreSQL, /tmp on SQLite), built from the
models without replaying the migrations (the data the benchmark needs is created here), dropped
at the end. ``--quick`` uses 50 units instead of 500 and fewer repetitions, never other targets.
"""

import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, arguments, bench_database, median_time, setup_django

NAME = "documents"
TITLE = "云泽市人民政府办公室关于进一步做好政务服务工作的通知"

PARAGRAPH = (
    "各地各部门要高度重视政务服务工作，把它作为转变政府职能、优化营商环境的重要抓手，"
    "切实加强领导，明确责任分工，确保各项工作任务落到实处，取得实效。"
)


def body() -> str:
    lines = ["为进一步做好政务服务工作，经市政府同意，现将有关事项通知如下。"]
    for n in "一二三四五六":
        lines += [f"{n}、总体要求", "（一）加强组织领导", "1.明确责任分工", PARAGRAPH]
    return "\n".join(lines)


def bare_signer() -> object:
    """A self-signed ECDSA P-256 certificate and key, like the built-in CA's unit certificates."""
    import datetime as dt

    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "基准单位")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=None,
    )


def main() -> int:
    args = arguments(__doc__ or NAME)
    setup_django()
    from django.db import connection

    connection.settings_dict.setdefault("TEST", {})["MIGRATE"] = False
    report = Report(NAME)
    units_n = 50 if args.quick else 500
    repeat = 2 if args.quick else 4
    with bench_database("zw_bench_docs"):
        from datetime import date

        from django.core.files.uploadedfile import SimpleUploadedFile
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers
        from weasyprint import HTML

        from zhengwu.directory.actions import organisation_create
        from zhengwu.directory.models import Region
        from zhengwu.documents import actions, rendering
        from zhengwu.documents.models import OfficialDocument
        from zhengwu.documents.rules import DocumentInput
        from zhengwu.exchange.actions import dispatch_send
        from zhengwu.files.actions import file_store

        region = Region.objects.create(code="990100", name="云泽市", level=2)
        city = organisation_create(actor=None, name="云泽市人民政府", kind="government",
                                   region=region, code="bench-city")  # fmt: skip
        office = organisation_create(actor=None, name="市政府办公室", kind="department",
                                     region=region, parent=city, code="bench-szfb")  # fmt: skip
        register = actions.register_create(actor=None, organisation=office, code="云政办发",
                                           issuer_mark="云泽市人民政府办公室文件")  # fmt: skip
        doc = actions.document_create(
            actor=None, organisation=office, register=register,
            data=DocumentInput(doc_type="notice", title=TITLE, body=body(),
                               main_recipients_text="各县（市、区）人民政府，市政府各部门",
                               attachment_names="政务服务事项清单", doc_date=date(2026, 7, 1),
                               cc_text="市委办公室，市人大常委会办公室", note="此件公开发布"),
        )  # fmt: skip
        OfficialDocument.objects.filter(pk=doc.pk).update(
            doc_number="云政办发〔2026〕12号", printing_date=date(2026, 7, 1)
        )
        doc.refresh_from_db()

        # ---- 1. render + seal
        html = rendering.document_html(actions.render_input(doc))
        signer = bare_signer()
        base = str(Path(rendering.__file__).parent)

        def bare() -> bytes:
            # same output as the app: PDF/A-2b (rendering.PDF_VARIANT)
            pdf = HTML(string=html, base_url=base).write_pdf(pdf_variant=rendering.PDF_VARIANT)
            out = io.BytesIO()
            signers.PdfSigner(
                signers.PdfSignatureMetadata(field_name="Signature1", reason="用印"),
                signer=signer,
            ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
            return out.getvalue()

        def app() -> bytes:
            return actions.seal_document_pdf(doc, None)

        pages = rendering.render(actions.render_input(doc)).pages
        report.info(f"notice pages={pages}")
        t_bare = median_time(bare, repeat)
        t_app = median_time(app, repeat)
        report.info(f"bare WeasyPrint+pyHanko={t_bare * 1000:.0f} ms/doc, "
                    f"app render+seal={t_app * 1000:.0f} ms/doc")  # fmt: skip
        report.metric("render_seal_ratio", t_bare / t_app, ">=", 0.70)

        # ---- 2. fan-out
        start = time.perf_counter()
        units = [
            organisation_create(actor=None, name=f"基准单位{i:03d}", kind="department",
                                region=region, parent=city, code=f"bench-u{i:03d}")
            for i in range(units_n)
        ]  # fmt: skip
        report.info(f"created {units_n} units in {time.perf_counter() - start:.1f} s")
        pdf = file_store(actor=None, upload=SimpleUploadedFile("doc.pdf", app(), "application/pdf"),
                         purpose=actions.PDF_PURPOSE)  # fmt: skip

        def send(n: int) -> None:
            dispatch_send(
                actor=None, sender_organisation=office, title=doc.title,
                doc_number=doc.doc_number, doc_type="notice", security_level="", urgency="",
                main_recipients=units[:n], cc_recipients=[], pdf=pdf, attachments=[],
                source_type=actions.SUBJECT_TYPE, source_id=doc.pk,
            )  # fmt: skip

        t_one = median_time(lambda: send(1), repeat * 2)
        t_all = median_time(lambda: send(units_n), repeat)
        report.info(f"dispatch to 1 unit={t_one * 1000:.1f} ms, to {units_n} units="
                    f"{t_all * 1000:.1f} ms")  # fmt: skip
        report.metric("fanout_ratio", t_all / t_one, "<=", 20)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
