"""Formats of the numbers the platform issues (pure functions).

The sequence part comes from ``actions.number_next`` (gapless, one per register and year).
"""

import datetime as dt
import re

_REGION_CODE = re.compile(r"^\d{6}$")


def format_case_number(region_code: str, on: dt.date, sequence: int, *, width: int = 6) -> str:
    """办件编号: 6-digit region code, acceptance date YYYYMMDD, yearly sequence zero-padded.

    ``format_case_number("990100", date(2026, 3, 15), 123)`` → ``"99010020260315000123"``.
    Digits only, so it reads out over the phone and sorts by region, then date. The sequence is
    per year (``number_next(register=..., year=on.year)``), so it never repeats within a region.
    """
    if not _REGION_CODE.match(region_code):
        raise ValueError(f"region code must be 6 digits, got {region_code!r}")
    if not 1 <= sequence < 10**width:
        raise ValueError(f"sequence {sequence} does not fit in {width} digits")
    return f"{region_code}{on:%Y%m%d}{sequence:0{width}d}"


def format_document_number(issuer_code: str, year: int, sequence: int) -> str:
    """发文字号 per GB/T 9704-2012 §7.2.4: 发文机关代字, the full year in 六角括号, the sequence
    without leading zeros and without 第, followed by 号 — e.g. ``云政办发〔2026〕12号``."""
    issuer = issuer_code.strip()
    if not issuer:
        raise ValueError("issuer code is empty")
    if sequence < 1:
        raise ValueError(f"sequence must be positive, got {sequence}")
    return f"{issuer}〔{year:04d}〕{sequence}号"
