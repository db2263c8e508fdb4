"""The wheel works: built from this checkout, installed in a fresh virtual environment with only its declared
dependencies, `sevbot --version` answers and `sevbot demo --out` plays the night from an empty folder (the templates,
migrations and schema travel inside the package)."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_the_wheel_installs_and_runs_the_demo_from_an_empty_folder(tmp_path: Path) -> None:
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", ROOT)
    (wheel,) = (tmp_path / "dist").glob("sevbot-*.whl")
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    _run(bin_dir / "pip", "install", "-q", wheel)
    assert _run(bin_dir / "sevbot", "--version").strip().startswith("sevbot ")
    empty = tmp_path / "empty"
    empty.mkdir()
    shown = _run(bin_dir / "sevbot", "demo", "--out", "night", cwd=empty)
    assert "The postmortem draft (INC-1-postmortem.md" in shown
    left = sorted(p.name for p in (empty / "night").iterdir())
    assert (
        "INC-1-postmortem.md" in left and "transcript.txt" in left and sum(n.endswith(".png") for n in left) == 5
    )  # 4 verifications, App Home
    assert sorted(p.name for p in empty.iterdir()) == ["night"]  # nothing else written where it ran
    _run(bin_dir / "sevbot", "init", cwd=empty)  # the starter files ship in the wheel
    assert (empty / "sevbot.yml").read_text() == (ROOT / "sevbot.example.yml").read_text()
    assert (empty / "manifest.yml").read_text() == (ROOT / "manifest.yml").read_text()


def test_every_package_of_the_checkout_is_in_the_wheel() -> None:
    """pyproject.toml lists the packages by hand (to map templates/ and migrations/ in): a new one must be listed."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in ("bot", "commands")
        for path in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
