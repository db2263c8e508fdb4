"""Errors a person can act on: raised by the domain or a command, shown to the user as an ephemeral message.

An error carries a code (`Problem`) and the values that fill it, never a sentence: `templates/user_error.md.j2`
says each one in words, and values are escaped when rendered like any other."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["Problem", "UserError"]


class Problem(StrEnum):
    # text people type
    TEXT_EMPTY = "text_empty"  # what
    TEXT_TOO_LONG = "text_too_long"  # what, length, limit
    INVALID_ARGUMENT = "invalid_argument"  # field, detail
    NOT_A_PERSON = "not_a_person"  # token
    NOT_A_ROLE = "not_a_role"  # word
    NOT_A_PERCENTAGE = "not_a_percentage"  # word
    PERCENT_OUT_OF_RANGE = "percent_out_of_range"  # percent
    TAKES_NO_ARGUMENTS = "takes_no_arguments"  # command
    UNKNOWN_COMMAND = "unknown_command"  # command, close: the subcommand it is closest to ("" for none)
    USAGE = "usage"  # need: what the command needs (see the template)
    # incidents
    NOT_AN_INCIDENT_CHANNEL = "not_an_incident_channel"  # command
    INCIDENT_GONE = "incident_gone"  # where: "card", "form", "message"…
    ALREADY_RESOLVED = "already_resolved"  # incident
    UNKNOWN_SEVERITY = "unknown_severity"  # severity
    UNKNOWN_STATUS = "unknown_status"  # status, choices
    RESOLVE_WITH_COMMAND = "resolve_with_command"
    ALREADY_STATUS = "already_status"  # incident, status
    ALREADY_SEVERITY = "already_severity"  # incident, severity
    ALREADY_IN_ROLE = "already_in_role"  # person, role, incident
    ALREADY_ACKNOWLEDGED = "already_acknowledged"  # incident
    NO_UPDATE_DUE = "no_update_due"  # incident
    SNOOZE_CHOICES = "snooze_choices"  # choices
    NO_MODEL_NAMED = "no_model_named"  # incident (None: an alert)
    SHORTCUT_OUTSIDE_INCIDENT = "shortcut_outside_incident"
    SHORTCUT_NO_TEXT = "shortcut_no_text"
    FORM_WOULD_NOT_OPEN = "form_would_not_open"
    TITLE_NEEDED = "title_needed"
    # hypotheses
    HYPOTHESIS_OUTCOME = "hypothesis_outcome"  # number, word
    NO_HYPOTHESES = "no_hypotheses"  # incident
    NO_SUCH_HYPOTHESIS = "no_such_hypothesis"  # incident, count, number
    HYPOTHESIS_SETTLED = "hypothesis_settled"  # number, outcome
    NO_SUCH_ACTION_ITEM = "no_such_action_item"  # incident, count, number
    ACTION_ITEM_DONE_ALREADY = "action_item_done_already"  # incident, number
    # models and alerts
    UNKNOWN_MODEL = "unknown_model"  # model, known
    NO_SLOS = "no_slos"  # model
    ALERT_GONE = "alert_gone"
    ALERT_ALREADY = "alert_already"  # status, incident
    ALERT_ACKNOWLEDGED = "alert_acknowledged"  # person
    DISMISS_NEEDS_REASON = "dismiss_needs_reason"
    # containment
    NOTHING_TO_ACT_ON = "nothing_to_act_on"  # model
    INCIDENT_OVER = "incident_over"  # over (what_happened's data)
    ALERT_BECAME_OVER = "alert_became_over"  # over
    ALERT_DISMISSED = "alert_dismissed"  # person, reason
    ALERT_RESOLVED = "alert_resolved"
    ALREADY_DONE = "already_done"  # incident, done, kind, model
    NOT_RECOVERED = "not_recovered"  # incident, at, verdicts: the last verification; resolving needs a yes
    ALREADY_OPEN = "already_open"  # incident, model, severity, channel: declaring again needs a yes
    NOT_FROZEN = "not_frozen"  # model
    ACTION_GONE = "action_gone"
    ACTION_ALREADY = "action_already"  # status, person
    NOT_OFFERED = "not_offered"  # version
    NO_PREVIOUS_VERSION = "no_previous_version"  # model, live
    NO_SUCH_VERSION = "no_such_version"  # model, version, known
    ALREADY_LIVE = "already_live"  # version
    ALREADY_SCALED = "already_scaled"  # model, replicas
    BAD_REPLICAS = "bad_replicas"  # word, most
    INTERRUPTED = "interrupted"  # backend, live (or unknown: why it could not be asked)
    REFUSED = "refused"  # step, kind, model (said by refused.md.j2, with who may act)
    NOT_YOURS = "not_yours"  # step, incident, holders, owners, oncall, responders: undoing is for its people
    NOT_COORDINATING = "not_coordinating"  # step, incident, model: for who holds a role or may contain
    # paging, mail and tickets
    NO_PAGER = "no_pager"  # no pager under integrations
    DRILL_TOUCHES_NOTHING = "drill_touches_nothing"  # step, incident: a drill pages and freezes nothing real
    DRILL_OTHER_MODEL = "drill_other_model"  # typed, model, incident: a drill's channel reaches its model alone
    # runbook actions
    UNKNOWN_RUNBOOK_ACTION = "unknown_runbook_action"  # model, action, known
    RUN_NEEDS_INPUT = "run_needs_input"  # action, label, placeholder
    RUN_BAD_INPUT = "run_bad_input"  # action, label, pattern, given
    RUN_TAKES_NO_INPUT = "run_takes_no_input"  # action
    # insights
    STATS_DAYS = "stats_days"  # days, most
    # drills
    UNKNOWN_SCENARIO = "unknown_scenario"  # scenario, known
    DRILL_SPEED = "drill_speed"  # speed, most
    NOT_A_DRILL = "not_a_drill"  # command
    # forms (said under the field)
    FORM_TITLE = "form_title"
    FORM_UPDATE = "form_update"
    FORM_SUMMARY = "form_summary"
    FORM_REASON = "form_reason"
    FORM_CANCEL_WHY = "form_cancel_why"


class UserError(Exception):
    """Something the user asked for cannot be done; the code says what and why. Nothing was changed."""

    def __init__(self, problem: Problem, /, *, usage: str | None = None, **values: Any) -> None:
        super().__init__(f"{problem} {values}")
        self.problem = problem
        self.values = values
        self.usage = usage
