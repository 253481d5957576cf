"""Project-level checks: the README documents every setting and the set-up commands; lint and types pass."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planqa.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def test_readme_lists_every_setting_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in readme]
    assert not missing, f"README.md does not document: {missing}"
    head = readme[: readme.find("## ")]
    assert "make run" in head and "make test" in head


def test_product_code_names_no_sample_plan():
    pattern = r"00[0-4]_[0-9a-f]{16}\.txt"
    offenders = []
    for package in ("ingest", "index_store", "assistant", "ui", "eval", "planqa"):
        for path in (ROOT / package).rglob("*"):
            if path.suffix in (".py", ".toml") and re.search(pattern, path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"product code names a sample plan's file: {offenders}"


@pytest.mark.slow
def test_ruff_and_mypy_pass():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        pytest.skip("ruff is not installed in this environment (pip install -e '.[dev]')")
    for cmd in ([ruff, "check", "."], [ruff, "format", "--check", "."], [sys.executable, "-m", "mypy"]):
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, f"{' '.join(cmd[-3:])} failed:\n{proc.stdout[-3000:]}{proc.stderr[-1000:]}"
