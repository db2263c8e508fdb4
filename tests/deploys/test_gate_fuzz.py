"""The deploy gate under malformed input: no 5xx, whatever the path, body or headers (random, seeded)."""

from __future__ import annotations

import json
import random
from urllib.parse import quote

from bot.tryout.emulator.sandbox import ALERT_TOKEN
from tests.harness import Bot

SHAPES = [
    lambda r: {"name": _text(r), "metadata": {"token": ALERT_TOKEN, "model": _text(r)}},
    lambda r: {"name": r.choice([None, 1, [], {}, True]), "metadata": {"token": ALERT_TOKEN}},
    lambda r: {"name": "cv-detector", "metadata": r.choice([None, [], "x", {"token": 5}, {"a": {"b": 1}}])},
    lambda r: {"name": "cv-detector", "namespace": r.choice([1, [], None]), "metadata": {"token": ALERT_TOKEN}},
    lambda r: [r.random() for _ in range(r.randint(0, 5))],
    lambda r: _text(r),
    lambda r: r.randint(-(10**30), 10**30),
]


def _text(r: random.Random) -> str:
    alphabet = "abc-_./\\%?#\u0000\u00e9\u2028\ud7ff\U0001f600<>!@ "
    return "".join(r.choice(alphabet) for _ in range(r.randint(0, 40)))


async def test_the_gate_never_answers_5xx(bot: Bot) -> None:
    r = random.Random(22)
    statuses: dict[int, int] = {}
    for _ in range(300):
        shape = r.choice(SHAPES)(r)
        raw = (
            json.dumps(shape).encode() if r.random() < 0.8 else bytes(r.randrange(256) for _ in range(r.randint(0, 64)))
        )
        headers = r.choice([{}, {"Authorization": f"Bearer {ALERT_TOKEN}"}, {"Authorization": "Bearer \u00e9"}])
        async with bot.driver.http.post(f"{bot.url}/deploys/flagger", data=raw, headers=headers) as response:
            statuses[response.status] = statuses.get(response.status, 0) + 1
            assert response.status < 500, (response.status, await response.text(), raw[:200])
        model = quote(_text(r), safe="") or "x"
        async with bot.driver.http.get(f"{bot.url}/deploys/{model}", headers=headers) as response:
            statuses[response.status] = statuses.get(response.status, 0) + 1
            assert response.status < 500, (response.status, await response.text(), model)
    assert {400, 401, 404} <= set(statuses), statuses
