"""The shipped typing: `_ecscred.pyi` matches the built native module (mypy.stubtest), the
pure-Python modules type-check strictly, and `py.typed` ships."""

import subprocess
import sys
from pathlib import Path

import ecscred
import ecscred._ecscred

PACKAGE = Path(ecscred.__file__).parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_stubs_and_marker_ship_with_the_package() -> None:
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "_ecscred.pyi").is_file()
    assert Path(ecscred._ecscred.__file__).name.endswith(".abi3.so")


def test_stubtest(tmp_path: Path) -> None:
    # From an empty directory: the installed package is what gets checked.
    out = run("mypy.stubtest", "ecscred", "--mypy-config-file", str(_config(tmp_path)),
              cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_package_type_checks(tmp_path: Path) -> None:
    out = run("mypy", "--strict", "--config-file", str(_config(tmp_path)), "-p", "ecscred",
              cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\ncache_dir = {tmp_path / '.mypy_cache'}\n")
    return config
