"""Generate ``brand_price.csv`` (GBK-encoded): the brand/price lesson's mixed data, enlarged.

The lesson builds a six-row table with a Chinese categorical brand column (品牌: 苹果, 小米,
华为, 三星, OPPO, vivo), numeric columns (屏幕尺寸 screen size, 内存 RAM GB, 存储 storage GB,
摄像头像素 camera MP) and labels 低端/中端/高端 (low/mid/high end). Six rows cannot train a
network, so this script draws 600 phones whose price band follows brand and specifications the
way the lesson's examples suggest, with some noise. It is written in GBK, as Chinese
spreadsheets often are, to exercise NN Studio's encoding detection.

Run ``python samples/generate_brand_price.py`` to regenerate it (seeded).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 600
SEED = 7
BRANDS = {"苹果": 1.2, "华为": 0.6, "三星": 0.5, "小米": -0.2, "OPPO": -0.1, "vivo": -0.3}


def generate(rows: int = ROWS, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    brands = rng.choice(list(BRANDS), rows)
    screen = np.round(rng.uniform(5.5, 6.9, rows), 1)
    ram = rng.choice([4, 6, 8, 12, 16], rows, p=[0.2, 0.3, 0.25, 0.15, 0.1])
    storage = rng.choice([64, 128, 256, 512, 1024], rows, p=[0.15, 0.35, 0.3, 0.15, 0.05])
    camera = rng.choice([12, 32, 48, 50, 64, 108, 200], rows)
    score = (
        np.array([BRANDS[b] for b in brands])
        + 0.25 * (ram - 8) / 4
        + 0.6 * np.log2(storage / 128)
        + 0.3 * (screen - 6.2)
        + 0.004 * (camera - 50)
        + rng.normal(0, 0.15, rows)
    )
    labels = np.where(score > 0.9, "高端", np.where(score > -0.1, "中端", "低端"))
    return pd.DataFrame(
        {
            "品牌": brands,
            "屏幕尺寸": screen,
            "内存": ram,
            "存储": storage,
            "摄像头像素": camera,
            "价格区间": labels,
        }
    )


def main() -> None:
    out = Path(__file__).with_name("brand_price.csv")
    generate().to_csv(out, index=False, encoding="gbk", lineterminator="\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
