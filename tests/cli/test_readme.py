"""The README's commands work for someone who has just cloned the repository."""

from __future__ import annotations

import re
import shlex

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def commands() -> list[list[str]]:
    """Every ``nnstudio …`` command in the README's shell blocks, as argument lists."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("nnstudio "):
                found.append(shlex.split(line))
    return found


def test_the_readme_never_points_at_files_a_user_does_not_have():
    assert "../shared" not in README
    for argv in commands():
        for arg in argv:
            if arg.startswith("samples/"):
                assert (REPO / arg).exists(), arg


def test_the_readme_says_where_the_case_study_data_comes_from():
    assert "kaggle.com" in README and "Mobile Price Classification" in README
    assert any("--data" in argv for argv in commands())
    assert any("--data" not in argv and "mobile_price" in " ".join(argv) for argv in commands())
