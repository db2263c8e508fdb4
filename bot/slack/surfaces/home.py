"""App Home: one person's tab, published with `views.publish` as the records are now (`bot.home.board`), from
`home.md.j2` (whose marker lines place the dividers, the chart and the page buttons). The insights chart is
uploaded once per set of numbers as a private file (no channel) and shown with an image block that names it; its ID
is kept in `home_charts`, so replicas and later homes reuse it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import sqlalchemy as sa
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
)
from sqlalchemy.exc import IntegrityError

from bot.home.board import HomeBoard, home_board
from bot.home.viewers import page_of
from bot.insights import chart
from bot.models import HomeChart
from bot.slack.blocks import as_dicts, text_blocks
from bot.slack.ids import ActionId
from bot.slack.labels import label
from bot.slack.surfaces.base import Surface

__all__ = ["Home"]

log = logging.getLogger(__name__)

DIVIDER, CHART, PAGES = "::divider::", "::chart::", "::pages::"


class Home(Surface):
    async def publish(self, user: str) -> None:
        async with self.db.session_scope() as session:
            board = await home_board(session, user=user, now=self.clock.now(), page=await page_of(session, user))
        chart_file = await self._chart(board) if board.stats.total.count else None
        view = {"type": "home", "callback_id": "sevbot_home", "blocks": as_dicts(self.blocks(board, chart_file))}
        await self.client.views_publish(user_id=user, view=view)

    def blocks(self, board: HomeBoard, chart_file: str | None) -> list[Block]:
        top: list[Block] = [
            HeaderBlock(text=label("home.title")),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=label("buttons.declare"), action_id=ActionId.HOME_DECLARE, value="home", style="primary"
                    ),
                    ButtonElement(text=label("buttons.refresh"), action_id=ActionId.HOME_PAGE, value=str(board.page)),
                ]
            ),
        ]
        text = self.texts.render("home.md.j2", b=board, chart=chart_file is not None)
        body: list[Block] = []
        part: list[str] = []
        for line in text.splitlines():
            marker = line.strip()
            if marker not in (DIVIDER, CHART, PAGES):
                part.append(line)
                continue
            body.extend(text_blocks("\n".join(part)))
            part.clear()
            if marker == DIVIDER:
                body.append(DividerBlock())
            elif marker == CHART and chart_file is not None:
                body.append(ImageBlock(slack_file={"id": chart_file}, alt_text=label("home.chart_alt")))
            elif marker == PAGES and board.pages > 1:
                body.append(ActionsBlock(elements=self._turns(board)))
        body.extend(text_blocks("\n".join(part)))
        return top + body

    @staticmethod
    def _turns(board: HomeBoard) -> list[ButtonElement]:
        turns = []
        if board.page > 0:
            turns.append(
                ButtonElement(text=label("buttons.newer"), action_id=ActionId.HOME_PAGE, value=str(board.page - 1))
            )
        if board.page < board.pages - 1:
            turns.append(
                ButtonElement(text=label("buttons.older"), action_id=ActionId.HOME_PAGE, value=str(board.page + 1))
            )
        return turns

    async def _chart(self, board: HomeBoard) -> str:
        """The file ID of the chart of these numbers: drawn and uploaded the first time they are shown."""
        name = chart.key(board.stats)
        async with self.db.session_scope() as session:
            known = await session.get(HomeChart, name)
            if known is not None:
                return known.file_id
        png = await asyncio.to_thread(chart.render, board.stats)
        uploaded: Any = await self.client.files_upload_v2(
            content=png, filename=f"sevbot-insights-{board.stats.days}-days.png", title=label("home.chart_alt")
        )
        file_id = str(uploaded["files"][0]["id"])
        try:
            async with self.db.session_scope() as session:
                await session.exec(sa.insert(HomeChart).values(key=name, file_id=file_id, made_at=self.clock.now()))
        except IntegrityError:  # another replica drew the same numbers first: theirs is kept, ours stays unused
            async with self.db.session_scope() as session:
                kept = await session.get(HomeChart, name)
                assert kept is not None
                log.info(
                    "chart %s was uploaded by another replica too (%s kept, %s unused)", name, kept.file_id, file_id
                )
                return kept.file_id
        return file_id
