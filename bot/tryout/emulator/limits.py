"""Block Kit limits that Slack enforces with `invalid_blocks` (https://api.slack.com/reference/block-kit)."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = ["block_errors", "view_errors"]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_ACTION_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ID = 255
MAX_HEADER_TEXT = 150
MAX_VIEW_TITLE = 24


def _text(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def _element_errors(element: dict[str, Any], where: str) -> list[str]:
    errors = []
    if len(element.get("action_id", "")) > MAX_ID:
        errors.append(f"{where}: action_id longer than {MAX_ID} characters")
    if element.get("type") == "button":
        if len(_text(element.get("text"))) > MAX_BUTTON_TEXT:
            errors.append(f"{where}: button text longer than {MAX_BUTTON_TEXT} characters")
        if len(element.get("value", "")) > MAX_BUTTON_VALUE:
            errors.append(f"{where}: button value longer than {MAX_BUTTON_VALUE} characters")
    return errors


def _refused_by_slack_sdk(block: dict[str, Any], where: str) -> list[str]:
    """What slack_sdk's own Block Kit models refuse (an unknown type, a length or count over Slack's)."""
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"{where}: unknown block type {block.get('type')!r}"]
        parsed.validate_json()
    except (SlackObjectFormationError, TypeError) as exc:
        return [f"{where}: {exc}"]
    return []


def _each_block(blocks: list[Any]) -> list[str]:
    errors: list[str] = []
    for i, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{i}]"
        if not isinstance(block, dict) or "type" not in block:
            errors.append(f"{where}: a block must be an object with a type")
            continue
        before = len(errors)
        if len(block.get("block_id", "")) > MAX_ID:
            errors.append(f"{where}: block_id longer than {MAX_ID} characters")
        kind = block["type"]
        if kind == "section":
            if "text" not in block and "fields" not in block:
                errors.append(f"{where}: a section needs text or fields")
            if len(_text(block.get("text"))) > MAX_SECTION_TEXT:
                errors.append(f"{where}/text: must be less than {MAX_SECTION_TEXT + 1} characters")
            fields = block.get("fields") or []
            if len(fields) > MAX_FIELDS:
                errors.append(f"{where}/fields: at most {MAX_FIELDS} fields")
            errors += [
                f"{where}/fields/{j}: must be less than {MAX_FIELD_TEXT + 1} characters"
                for j, f in enumerate(fields)
                if len(_text(f)) > MAX_FIELD_TEXT
            ]
            if isinstance(block.get("accessory"), dict):
                errors += _element_errors(block["accessory"], f"{where}/accessory")
        elif kind == "header":
            if len(_text(block.get("text"))) > MAX_HEADER_TEXT:
                errors.append(f"{where}/text: must be less than {MAX_HEADER_TEXT + 1} characters")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_ACTION_ELEMENTS:
                errors.append(f"{where}/elements: between 1 and {MAX_ACTION_ELEMENTS} elements")
            for j, element in enumerate(elements):
                errors += _element_errors(element, f"{where}/elements/{j}")
        elif kind == "context":
            if len(block.get("elements") or []) > MAX_CONTEXT_ELEMENTS:
                errors.append(f"{where}/elements: at most {MAX_CONTEXT_ELEMENTS} elements")
        elif kind == "image":
            if not isinstance(block.get("alt_text"), str) or not block["alt_text"]:
                errors.append(f"{where}: an image needs alt_text")
            if ("image_url" in block) == ("slack_file" in block):
                errors.append(f"{where}: an image needs exactly one of image_url and slack_file")
        elif kind == "input":
            if "element" not in block or "label" not in block:
                errors.append(f"{where}: an input needs a label and an element")
        if len(errors) == before:  # Slack's own words where ours found nothing
            errors += _refused_by_slack_sdk(block, where)
    return errors


def block_errors(blocks: list[Any]) -> list[str]:
    """Why Slack would refuse these message blocks (empty when it would not)."""
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        return [f"no more than {MAX_MESSAGE_BLOCKS} items allowed [json-pointer:/blocks]"]
    return _each_block(blocks)


def view_errors(view: dict[str, Any]) -> list[str]:
    errors = []
    if view.get("type") not in ("modal", "home"):
        errors.append("view type must be modal or home")
    if len(_text(view.get("title"))) > MAX_VIEW_TITLE:
        errors.append(f"title must be less than {MAX_VIEW_TITLE + 1} characters [json-pointer:/view/title/text]")
    blocks = view.get("blocks") or []
    if len(blocks) > MAX_VIEW_BLOCKS:
        errors.append(f"no more than {MAX_VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]")
    errors += _each_block(blocks)
    if not errors:
        try:
            View(**view).validate_json()
        except (SlackObjectFormationError, TypeError) as exc:
            errors.append(f"{exc} [json-pointer:/view]")
    return errors
