"""Small CSV writers shared by the data tests."""

from __future__ import annotations

from pathlib import Path

PHONE_CSV = Path("/work/shared/data/mobile_price_train.csv")

#: A mixed table like the brand/price lesson: Chinese brand column, labels 低端/中端/高端.
BRAND_ROWS = [
    ("苹果", 6, 2.5, "高端"),
    ("小米", 4, 1.8, "低端"),
    ("华为", 8, 2.2, "中端"),
    ("苹果", 8, 2.8, "高端"),
    ("小米", 6, 2.0, "中端"),
    ("华为", 4, 1.5, "低端"),
    ("苹果", 4, 2.4, "中端"),
    ("小米", 8, 2.6, "高端"),
    ("华为", 6, 1.9, "低端"),
    ("苹果", 6, 2.7, "高端"),
    ("小米", 4, 1.6, "低端"),
    ("华为", 8, 2.3, "中端"),
]
BRAND_HEADER = ("品牌", "内存", "频率", "档次")


def brand_text(delimiter: str = ",") -> str:
    lines = [delimiter.join(BRAND_HEADER)]
    lines += [delimiter.join(str(v) for v in row) for row in BRAND_ROWS]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode(encoding))
    return path
