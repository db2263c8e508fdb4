"""Deploy freezes and the gate CI/CD asks: an open incident of a `freeze_deploys` severity holds its model's deploys,
and so does a person's `/incident freeze`; `GET /deploys/{model}` and Flagger's webhook answer from them."""

from bot.deploys.freeze import Hold, follow_incident, freeze, holds, record_refusal, unfreeze

__all__ = ["Hold", "follow_incident", "freeze", "holds", "record_refusal", "unfreeze"]
