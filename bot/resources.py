"""Where the files that ship with sevbot live: the message templates, the Alembic migrations. In a checkout they are
the top-level folders `templates/` and `migrations/`; in an installed wheel, pyproject.toml maps those same folders
to `bot/_resources/…`, so `pip install .` or `pipx install .` works from any folder."""

from __future__ import annotations

from pathlib import Path

__all__ = ["folder", "starter"]

_HERE = Path(__file__).resolve().parent


def folder(name: str) -> Path:
    """The shipped folder `name` (`templates` or `migrations`): the wheel's copy, else the checkout's."""
    packaged = _HERE / "_resources" / name
    return packaged if packaged.is_dir() else _HERE.parent / name


def starter(name: str) -> Path:
    """A file `sevbot init` writes (`sevbot.example.yml`, `manifest.yml`): the wheel's copy, else the checkout's."""
    packaged = _HERE / "_resources" / "starter" / name
    return packaged if packaged.is_file() else _HERE.parent / name
