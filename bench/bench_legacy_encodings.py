"""read_csv on GBK files that cannot skip the Latin-1/GBK check, and that check's share.

Chinese beside Latin letters ("iPhone手机") and rare characters (王喆) keep a GBK file off the
fast path of ``core/data/legacy_encodings.py``; each distinct field is then graded once. Run:
``PYTHONPATH=. python bench/bench_legacy_encodings.py``.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from nnstudio.core.data.csv_io import read_csv
from nnstudio.core.data.legacy_encodings import classify_lines

random.seed(0)
words = ["神经网络", "iPhone手机", "权重", "学习率A", "王喆", "CPU核心"]
cases = {
    "repeated categories": [f"{random.choice(words)},{i},{i % 2}" for i in range(400_000)],
    "every value distinct": [
        f"iPhone{i}手机{random.choice(words)},{i},{i % 2}" for i in range(400_000)
    ],
}
for name, lines in cases.items():
    data = ("name,size,y\n" + "\n".join(lines) + "\n").encode("gbk")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.csv"
        path.write_bytes(data)
        t = time.perf_counter()
        read_csv(path)
        total = time.perf_counter() - t
    t = time.perf_counter()
    classify_lines(data)
    c = time.perf_counter() - t
    print(
        f"{name}: {len(data) / 1e6:.1f} MB, read_csv {total:.2f} s, "
        f"of which the legacy check {c:.2f} s ({c / total:.0%})"
    )
