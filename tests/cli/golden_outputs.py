"""What every command prints for every bundled sample, recorded so a refactor can prove
that it changed nothing a user or a grading script sees.

``python -m tests.cli.golden_outputs`` rewrites ``tests/cli/golden/*.json`` from the code as
it is; ``test_golden_outputs.py`` compares the code with them. Only what depends on the
clock is left out (seconds, samples per second, progress lines on stderr).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from nnstudio.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
GOLDEN = Path(__file__).with_name("golden")
#: Samples whose ``step`` is compared: the lessons' small networks (a step's gradient check
#: on the large ones takes minutes).
STEP_SAMPLES = ("backprop_lesson", "xor_step", "perceptron", "iris")
#: Longer outputs are kept as a digest and their beginning (the golden files stay small).
MAX_KEPT = 4000
#: Figures that depend on the clock, never compared.
CLOCK_KEYS = ("seconds", "samples_per_second")


def sample_data(sample: Path) -> Path | None:
    """The CSV a sample reads, when it is one of the bundled files (for ``predict``)."""
    import zipfile

    with zipfile.ZipFile(sample) as archive:
        doc = json.loads(archive.read("project.json"))
    path = (doc.get("data") or {}).get("source", {}).get("path")
    if not path:
        return None
    found = (sample.parent / path).resolve()
    return found if found.is_file() else None


def commands(sample: Path, out: Path) -> dict[str, list[str]]:
    """Every command worth comparing for ``sample`` (keys name them in the golden file)."""
    f = str(sample)
    runs = {
        "summary": ["summary", f],
        "summary --json": ["summary", f, "--json"],
        "validate": ["validate", f],
        "validate --json": ["validate", f, "--json"],
        "export python": ["export", f, "--to", "python", "-o", str(out / "script.py")],
        "train --epochs 2 --json": ["train", f, "--epochs", "2", "--json", "--quiet"],
    }
    if sample.stem in STEP_SAMPLES:
        runs["step --json"] = ["step", f, "--json"]
        runs["step"] = ["step", f]
    data = sample_data(sample)
    if data is not None:
        runs["predict"] = ["predict", f, "--data", str(data)]
    return runs


def normalize(text: str, out: Path) -> str:
    text = text.replace(str(out), "<OUT>").replace(str(REPO), "<REPO>")
    return re.sub(r"/tmp/[^\s\"']*", "<TMP>", text)


def run(argv: list[str], out: Path) -> dict[str, object]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    result: dict[str, object] = {"exit": code, "stdout": normalize(stdout.getvalue(), out)}
    if argv[0] == "train":
        result["stdout"] = _without_clock(result["stdout"])  # type: ignore[arg-type]
    else:
        result["stderr"] = normalize(stderr.getvalue(), out)
    written = out / "script.py"
    if argv[0] == "export" and written.exists():
        result["file"] = normalize(written.read_text(encoding="utf-8"), out)
        written.unlink()
    return {key: _kept(value) for key, value in result.items()}


def _kept(value: object) -> object:
    if not isinstance(value, str) or len(value) <= MAX_KEPT:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
    return {"length": len(value), "sha256": digest, "head": value[: MAX_KEPT // 2]}


def _without_clock(text: str) -> str:
    if not text.strip():
        return text
    data = json.loads(text)
    for key in CLOCK_KEYS:
        data.pop(key, None)
    # Six significant digits: the same run, summed over another thread count, may differ in
    # the last bits of a float.
    rounded = {k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in data.items()}
    return json.dumps(rounded, sort_keys=True)


def record(sample: Path) -> dict[str, dict[str, object]]:
    """Run every command on a copy of ``sample`` (and the CSV files beside it).

    Working on a copy in a temporary folder keeps the outputs independent of where the
    repository lies: an exported script names its data relative to itself, and a long path
    wraps differently.
    """
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for csv in SAMPLES.glob("*.csv"):
            shutil.copy2(csv, out / csv.name)
        copy = out / sample.name
        shutil.copy2(sample, copy)
        return {name: run(argv, out) for name, argv in commands(copy, out).items()}


def main_record() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for sample in sorted(SAMPLES.glob("*.nnsproj")):
        outputs = record(sample)
        path = GOLDEN / f"{sample.stem}.json"
        path.write_text(json.dumps(outputs, indent=1, ensure_ascii=False) + "\n", "utf-8")
        print(f"recorded {path.name}: {len(outputs)} commands", file=sys.stderr)


if __name__ == "__main__":
    main_record()
