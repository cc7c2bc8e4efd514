"""Lantern installs like a real package: its wheel holds the templates, the static files, the migrations
and every file of its packages, and a fresh virtual environment given only `pip install <wheel>`
migrates a database, loads the demo and serves it, from a folder outside the source tree.

The wheel is built from a copy of the working tree's files (those git tracks or would track), not in
place: setuptools reuses build/lib between builds, so a module moved away could linger in a wheel built
here. pip builds it as any user's pip would, in an isolated environment holding the setuptools that
pyproject.toml's [build-system] asks for. The fresh venv has no pip of its own: this pip installs into
it (--python), dependencies and all, from the package index; --no-compile keeps that to seconds.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
# Folders of the source tree that ship inside a package under another name: {"templates": "lantern/templates"}
MAPPED = {folder: package.replace(".", "/") for package, folder in PYPROJECT.get("package-dir", {}).items()}
ROOTS = sorted({name.split(".")[0] for name in PYPROJECT["packages"]} - {""})
DEMO_LOGIN = ("finance@willow.example", "willow-demo-2027")  # lantern/demo.py's DEMO_USERS and DEMO_PASSWORD


def _shipped_files(tree: Path) -> dict[str, str]:
    """Each file the wheel must hold, by its path in the wheel: the package folders' files (modules and
    data alike), the templates and the migrations. Caches and compiled files are not source."""
    wanted = {}
    for folder, inside in [(root, root) for root in ROOTS] + list(MAPPED.items()):
        for path in sorted((tree / folder).rglob("*")):
            relative = path.relative_to(tree / folder)
            if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc":
                wanted[f"{inside}/{relative.as_posix()}"] = f"{folder}/{relative.as_posix()}"
    return wanted


def _package_folders(tree: Path) -> set[str]:
    """Every folder of the top-level packages that holds a file, as a dotted package name."""
    folders = set()
    for root in ROOTS:
        for path in [tree / root, *(tree / root).rglob("*")]:
            if (path.is_dir() and "__pycache__" not in path.parts and not path.name.startswith(".")
                    and any(f.is_file() and f.suffix != ".pyc" for f in path.iterdir())):
                folders.add(".".join(path.relative_to(tree).parts))
    return folders


def _site(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def _run(command: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    copy = tmp_path_factory.mktemp("wheel-source") / "lantern"
    for name in filter(None, listed):
        if (REPO / name).is_file():  # a file deleted but not yet staged is still listed
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
    return copy


@pytest.fixture(scope="module")
def wheel(source_copy, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), str(source_copy)], timeout=600)
    [built] = out.glob("lantern-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv, outside the source tree, with the wheel and its dependencies installed."""
    path = tmp_path_factory.mktemp("fresh") / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(path)], timeout=120)
    python = path / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-compile", str(wheel)], timeout=600)
    return path


@pytest.fixture
def outside(tmp_path) -> dict:
    """A working folder outside the source tree and an environment naming only its own database and data."""
    assert REPO not in tmp_path.parents
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LANTERN_", "PYTHON", "VIRTUAL_ENV")) and key != "DATABASE_URL"}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'lantern.db'}", "LANTERN_DATA_DIR": str(tmp_path / "data")}
    return {"cwd": tmp_path, "env": env}


def test_every_package_folder_is_listed_in_pyproject(source_copy):
    listed, folders = set(PYPROJECT["packages"]), _package_folders(source_copy)
    missing = sorted(folders - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml, or the wheel leaves them out: {missing}"
    mapped = tuple(PYPROJECT.get("package-dir", {}))
    gone = sorted(name for name in listed - folders
                  if not any(name == package or name.startswith(package + ".") for package in mapped))
    assert not gone, f"[tool.setuptools] packages in pyproject.toml lists folders that are not there: {gone}"


def test_the_wheel_holds_the_templates_static_files_migrations_and_every_package_file(wheel, source_copy):
    held = set(zipfile.ZipFile(wheel).namelist())
    wanted = _shipped_files(source_copy)
    for known in ["lantern/templates/login.html", "lantern/templates/base.html", "lantern/templates/static/lantern.css",
                  "lantern/migrations/env.py", "lantern/migrations/script.py.mako",
                  "lantern/migrations/versions/0001_platform.py", "provider/config.py", "lantern/cli.py"]:
        assert known in wanted and known in held, known
    versions = sorted(name for name in wanted if name.startswith("lantern/migrations/versions/"))
    assert len(versions) == len(list((source_copy / "migrations" / "versions").glob("*.py"))) >= 25
    assert len([name for name in wanted if name.startswith("lantern/templates/static/")]) >= 1
    missing = sorted(source for name, source in wanted.items() if name not in held)
    assert not missing, f"the wheel leaves out (add to [tool.setuptools.package-data] in pyproject.toml): {missing}"
    assert not [name for name in held if name.split("/")[0] in MAPPED], "templates/, migrations/ ship in lantern/ only"
    assert not [name for name in held if "__pycache__" in name or name.endswith(".pyc")]


def test_the_installed_package_finds_its_own_templates_and_migrations(venv, outside):
    site = _site(venv).resolve()
    show = ("import lantern, provider.config as c\n"
            "print(lantern.__file__, c.TEMPLATES_DIR, c.MIGRATIONS_DIR, c.STATIC_DIR)")
    result = _run([str(venv / "bin" / "python"), "-c", show], timeout=120, **outside)
    found = [Path(name) for name in result.stdout.split()]
    assert found == [site / "lantern" / "__init__.py", site / "lantern" / "templates", site / "lantern" / "migrations",
                     site / "lantern" / "templates" / "static"]
    assert all(path.exists() for path in found)


def test_a_fresh_venv_upgrades_the_database_loads_the_demo_and_serves(venv, outside):
    lantern = str(venv / "bin" / "lantern")
    assert "up to date" in _run([lantern, "db", "upgrade"], timeout=300, **outside).stdout
    assert DEMO_LOGIN[0] in _run([lantern, "demo"], timeout=300, **outside).stdout

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = outside["cwd"] / "serve.log"
    with open(log, "w") as output:
        server = subprocess.Popen([lantern, "serve", "--port", str(port)], stdout=output, stderr=subprocess.STDOUT,
                                  **outside)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    health = client.get("/healthz")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, f"lantern serve did not answer within 60 s:\n{log.read_text()}"
                    time.sleep(0.2)
            assert health.status_code == 200 and health.json() == {"status": "ok"}

            css = client.get("/static/lantern.css")
            assert css.status_code == 200
            assert css.content == (_site(venv) / "lantern" / "templates" / "static" / "lantern.css").read_bytes()

            login = client.get("/login")
            assert login.status_code == 200 and "Sign in to Lantern" in login.text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
            signed_in = client.post("/login", data={"csrf_token": token, "email": DEMO_LOGIN[0],
                                                    "password": DEMO_LOGIN[1], "next": "/"})
            assert signed_in.status_code == 303, signed_in.text
            home = client.get("/")  # the finance home page, over the demo's rows
            assert home.status_code == 200 and "Fran Finance" in home.text, home.text
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
