"""Fill msgstr entries of a .po catalogue from a {msgid: msgstr} JSON file (developer aid).

Usage: python scripts/po_fill.py path/to/django.po translations.json
Entries already translated are left alone; the script prints the msgids still untranslated.
"""

import json
import re
import sys
from pathlib import Path

ENTRY = re.compile(r'(msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr )((?:"(?:[^"\\]|\\.)*"\s*)+)', re.M)


def _unquote(block: str) -> str:
    return "".join(json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def main(po_path: str, json_path: str) -> int:
    po = Path(po_path)
    mapping: dict[str, str] = json.loads(Path(json_path).read_text(encoding="utf-8"))
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        msgid = _unquote(match.group(2))
        current = _unquote(match.group(3))
        if not msgid or current:
            return match.group(0)
        if msgid not in mapping:
            missing.append(msgid)
            return match.group(0)
        return match.group(1) + json.dumps(mapping[msgid], ensure_ascii=False) + "\n"

    po.write_text(ENTRY.sub(fill, po.read_text(encoding="utf-8")), encoding="utf-8")
    for msgid in missing:
        print(msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
