"""Is the rollback target compatible with what the live version is fed? Compared where the registry keeps it: the
model signature (inputs, outputs, params) and the lineage (image, dataset, config hash). A target that lacks or
renames an input the live version takes, needs one it does not, or takes one as another type would break on the
traffic it is about to receive: the plan shows it in red and it needs a second confirmation, as a known-bad target
does. Everything else that differs is listed plainly. Unknown (no signature kept) is never a reason to refuse."""

from __future__ import annotations

from typing import Any

from bot.serving import Version

__all__ = ["compare"]

Signature = dict[str, list[dict[str, Any]]]


def _typed(columns: list[dict[str, Any]]) -> dict[str, str]:
    return {c["name"]: c.get("dtype") or c.get("type") or "" for c in columns}


def compare(
    live: Version | None,
    live_sig: Signature | None,
    target: Version | None,
    target_sig: Signature | None,
    *,
    kept: bool = True,
) -> dict[str, Any]:
    """As data for the plan (`_containment.md.j2`'s `compat`): `lacks` (inputs the live version takes that the
    target does not), `needs` (inputs the target takes that the live one does not), `retyped` (same name, another
    type), `outputs` and `params` that differ, `lineage` changes, `known` (both signatures were found), `kept`
    (the platform keeps signatures at all) and `breaks` (the target would break on the live traffic)."""
    said: dict[str, Any] = {"lacks": [], "needs": [], "retyped": [], "outputs": [], "params": [], "lineage": []}
    said["kept"] = kept
    said["known"] = live_sig is not None and target_sig is not None
    if live_sig is not None and target_sig is not None:
        now, then = _typed(live_sig.get("inputs", [])), _typed(target_sig.get("inputs", []))
        said["lacks"] = [n for n in now if n not in then]
        said["needs"] = [n for n in then if n not in now]
        said["retyped"] = [
            {"name": n, "live": now[n], "target": then[n]} for n in now if n in then and now[n] != then[n]
        ]
        for part in ("outputs", "params"):
            a, b = _typed(live_sig.get(part, [])), _typed(target_sig.get(part, []))
            said[part] = sorted({*a} ^ {*b}) + sorted(n for n in a if n in b and a[n] != b[n])
    if live is not None and target is not None:
        for field in ("image", "dataset", "config_hash"):
            was, will = getattr(live, field), getattr(target, field)
            if was and will and was != will:
                said["lineage"].append({"field": field, "live": was, "target": will})
    said["breaks"] = bool(said["lacks"] or said["needs"] or said["retyped"])
    return said
