"""The signing engine's public API for domain modules (eservices licences, official documents).

from zhengwu.signing.services import SealPlacement, pdf_sign, pdf_verify, pdf_sha256

signed = pdf_sign(pdf=data, organisation=unit, reason="颁发电子证照", location="云泽市",
                  seal=SealPlacement(page=-1, x_mm=140, y_mm=200, width_mm=40))
result = pdf_verify(signed)   # result.status == "valid", result.summary == "有效"
"""

from zhengwu.signing.actions import pdf_sign
from zhengwu.signing.pdf import SealPlacement, SignatureCheck, Verification, pdf_sha256
from zhengwu.signing.selectors import pdf_verify, unit_full_name

__all__ = ["SealPlacement", "SignatureCheck", "Verification", "pdf_sha256", "pdf_sign",
           "pdf_verify", "unit_full_name"]  # fmt: skip
