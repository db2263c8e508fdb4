"""Action and callback IDs, in one place."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ActionId", "BlockId", "CallbackId"]


class ActionId(StrEnum):
    TAKE_COMMAND = "incident_take_command"
    ACKNOWLEDGE = "incident_acknowledge"
    POST_UPDATE = "incident_post_update"
    RESOLVE = "incident_resolve"
    ALERT_DECLARE = "alert_declare"
    ALERT_ACKNOWLEDGE = "alert_acknowledge"
    ALERT_DISMISS = "alert_dismiss"
    ALERT_ROLLBACK = "alert_rollback"
    ACTION_CONFIRM = "action_confirm"
    ACTION_CANCEL = "action_cancel"
    ACTION_PICK = "action_pick"  # a candidate version, when nobody knows the previous one
    INCIDENT_ROLLBACK = "incident_rollback"
    INCIDENT_FALLBACK = "incident_fallback"
    INCIDENT_SCALE = "incident_scale"
    INCIDENT_RESTART = "incident_restart"
    INCIDENT_RUNBOOK_INPUT = "incident_runbook_input"  # value as INCIDENT_RUNBOOK: opens the action's input form
    RUNBOOK_INPUT = "runbook_input"
    INCIDENT_RUNBOOK = "incident_runbook"  # value: "<incident id>:<action>"
    SNOOZE = "incident_snooze"
    POSTMORTEM = "incident_postmortem"
    DECLARE_JOIN = "declare_join"  # an incident is already open for the model: join it
    DECLARE_ANYWAY = "declare_anyway"  # … or declare a new one all the same
    RESOLVE_ANYWAY = "resolve_anyway"  # the last verification said not recovered: resolve all the same
    COUNTDOWN_CANCEL = "countdown_cancel"  # stop sevbot's own action before its countdown runs out (asks why)
    HOME_DECLARE = "home_declare"  # App Home: open the declare form
    SIMILAR_MORE = "similar_more"  # the card: every similar past incident, privately
    HOME_PAGE = "home_page"  # App Home: show this page of open incidents (value: the page, from 0)
    # inputs inside modals
    SEVERITY = "severity"
    MODEL = "model"
    TITLE = "title"
    DESCRIPTION = "description"
    TEXT = "text"
    IMPACT = "impact"
    SCOPE = "scope"
    MITIGATION = "mitigation"
    SUMMARY = "summary"
    REASON = "reason"
    DESPITE = "despite"  # resolve although not recovered


class BlockId(StrEnum):
    SEVERITY = "severity_block"
    MODEL = "model_block"
    TITLE = "title_block"
    DESCRIPTION = "description_block"
    TEXT = "text_block"
    IMPACT = "impact_block"
    SCOPE = "scope_block"
    MITIGATION = "mitigation_block"
    SUMMARY = "summary_block"
    REASON = "reason_block"
    DESPITE = "despite_block"
    RUNBOOK_INPUT = "runbook_input_block"
    CARD_ACTIONS = "card_actions"


class CallbackId(StrEnum):
    ADD_TO_TIMELINE = "add_to_timeline"  # the message shortcut
    DECLARE = "declare_modal"
    UPDATE = "update_modal"
    RESOLVE = "resolve_modal"
    DISMISS = "dismiss_modal"
    CANCEL_COUNTDOWN = "cancel_countdown_modal"
    RUNBOOK_INPUT = "runbook_input_modal"
