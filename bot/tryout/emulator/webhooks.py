"""Alert webhooks as Alertmanager sends them (version 4), for the demo and the tests: one per-camera mAP alert
as a Prometheus rule would raise it, and the webhook body that carries a group of them."""

from __future__ import annotations

from typing import Any

__all__ = ["am_alert", "am_payload", "camera_alerts"]


def am_alert(
    camera: str,
    value: float,
    *,
    status: str = "firing",
    model: str = "cv-detector",
    total: int = 10,
    starts_at: str = "2026-11-22T03:05:00Z",
    ends_at: str = "0001-01-01T00:00:00Z",
    **annotations: str,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "ModelMapBelowSLO", "model": model, "metric": "map", "camera": camera},
        "annotations": {"value": str(value), "threshold": "0.55", "slices_total": str(total), **annotations},
        "startsAt": starts_at,
        "endsAt": ends_at,
        "generatorURL": "http://prometheus.example/graph?g0.expr=model_map",
        "fingerprint": f"fp-{model}-{camera}",
    }


def am_payload(*alerts: dict[str, Any]) -> dict[str, Any]:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    model = (alerts[0].get("labels") or {}).get("model", "") if alerts else ""
    return {
        "version": "4",
        "status": status,
        "receiver": "sevbot",
        "groupKey": f'{{}}:{{model="{model}"}}',
        "groupLabels": {"model": model},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": list(alerts),
    }


def camera_alerts(
    status: str, cameras: range, value: float, *, starts_at: str, ends_at: str, deployed_at: str
) -> dict[str, Any]:
    """The demo's story as Alertmanager tells it: per-camera mAP alerts of cv-detector on 40 cameras, after a deploy."""
    notes = {
        "summary": "cv-detector mAP below SLO on some cameras",
        "baseline": "0.68",
        "deployed_at": deployed_at,
        "runbook_url": "https://wiki.example/runbooks/cv-detector",
    }
    return am_payload(
        *(
            am_alert(
                f"cam-{n}",
                round(value + (n % 5) / 100, 2),
                status=status,
                total=40,
                starts_at=starts_at,
                ends_at="0001-01-01T00:00:00Z" if status == "firing" else ends_at,
                **notes,
            )
            for n in cameras
        )
    )
