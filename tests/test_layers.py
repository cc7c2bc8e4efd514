"""The layers are a contract: each package imports only those below it (pyproject.toml, [tool.importlinter])."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_package_imports_a_layer_above_it():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contract_fails_on_an_upward_import(tmp_path):
    """A copy of the code with the ledger importing invoicing breaks the contract: the check is not vacuous."""
    for package in ("lantern", "reports", "invoicing", "isf", "provider"):
        subprocess.run(["cp", "-r", str(ROOT / package), str(tmp_path / package)], check=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    with (tmp_path / "provider" / "ledger" / "post.py").open("a") as post:
        post.write("\nimport invoicing.runs  # noqa: E402,F401\n")
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "provider.ledger.post -> invoicing.runs" in result.stdout


def test_every_package_and_module_has_its_layer():
    """An unlisted package would be outside the contract, free to import anything."""
    layers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    listed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    found = {"lantern", "reports", "invoicing", "isf"}
    found |= {f"provider.{p.stem if p.is_file() else p.name}" for p in (ROOT / "provider").iterdir()
              if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert found - listed == set()
