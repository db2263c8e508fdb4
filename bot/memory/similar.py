"""Which past incidents are most like this one, from what sevbot recorded: facts first (the same model, incident
type and metric, overlapping slices, a deploy shortly before, a drop of the same size), then words (titles, alert
summaries, root-cause notes, hypotheses, resolutions) weighed by TF-IDF, cosine-normalised. Plain Python over an
inverted index: no model to download, nothing leaves the machine. `tests/memory/` measures facts, words and both
on a labelled set; both is what sevbot uses.

`Index` holds every remembered incident of one process; it is refreshed from the `incident_memory` table by what
changed since (`bot.memory.store`), so replicas share one index through the database."""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["FACT_WEIGHTS", "Index", "Match", "Recollection", "facts_score", "tokens"]

# How much each fact counts (sums to 1); the text's share of "both" is TEXT_SHARE. Chosen on tests/data/memory.
FACT_WEIGHTS = {"model": 0.30, "kind": 0.20, "metric": 0.15, "slices": 0.20, "deploy": 0.10, "drop": 0.05}
TEXT_SHARE = 0.6

_WORD = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
_STOP = frozenset(
    """a an and are as at be been but by for from has have in into is it its no not of on or so than that the their
    then there these this to was were what when which while who will with after before all also any down up our we
    us our out over per than too very can could did do does had how more most new now only other same should some such
    them they though under until via would yet about again against because being both each few further here just own
    off once""".split()
)


def _stem(word: str) -> str:
    """A light stemmer: plural and -ing/-ed endings off, so "cameras" meets "camera" and "drifted" meets "drift"."""
    for ending, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 3 and not word.endswith("ss"):
            return word[: -len(ending)] + keep
    return word


def tokens(text: str) -> Counter[str]:
    """The words that carry meaning, lowercased and stemmed; versions (2.0.0) and names (cam-23) kept whole."""
    return Counter(_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)


@dataclass(frozen=True)
class Recollection:
    """What is remembered of one incident for finding it again."""

    incident_id: int
    declared_at: datetime
    model: str | None = None
    kind: str | None = None  # the playbook's incident type
    metric: str | None = None
    slices: frozenset[str] = frozenset()
    deploy_before: bool = False  # a deploy shortly before the breach
    drop: float | None = None  # relative drop from baseline
    text: str = ""


@dataclass(frozen=True)
class Match:
    incident_id: int
    score: float
    facts: float
    text: float
    why: tuple[str, ...] = field(default=())  # the facts that matched: model, kind, metric, slices, deploy, drop


def facts_score(a: Recollection, b: Recollection) -> tuple[float, tuple[str, ...]]:
    why: list[str] = []
    score = 0.0
    if a.model and a.model == b.model:
        score += FACT_WEIGHTS["model"]
        why.append("model")
    if a.kind and a.kind == b.kind:
        score += FACT_WEIGHTS["kind"]
        why.append("kind")
    if a.metric and a.metric == b.metric:
        score += FACT_WEIGHTS["metric"]
        why.append("metric")
    if a.slices and b.slices:
        overlap = len(a.slices & b.slices) / len(a.slices | b.slices)
        if overlap:
            score += FACT_WEIGHTS["slices"] * overlap
            why.append("slices")
    if a.deploy_before and b.deploy_before:
        score += FACT_WEIGHTS["deploy"]
        why.append("deploy")
    if a.drop is not None and b.drop is not None:
        closeness = max(0.0, 1.0 - abs(a.drop - b.drop) / 0.25)  # within 25 points of each other counts, linearly
        if closeness:
            score += FACT_WEIGHTS["drop"] * closeness
            why.append("drop")
    return score, tuple(why)


class Index:
    """Every remembered incident, with an inverted index of its words: a lookup touches only the postings of the
    query's words, and the facts of each candidate."""

    def __init__(self) -> None:
        self.docs: dict[int, Recollection] = {}
        self._words: dict[int, Counter[str]] = {}
        self._postings: dict[str, dict[int, int]] = {}
        self._norms: dict[int, float] = {}
        self._facts: dict[tuple[str, str], set[int]] = {}  # (model|kind|metric, value) → incidents
        self._stale = False

    def __len__(self) -> int:
        return len(self.docs)

    def add(self, recollection: Recollection) -> None:
        """Remember (or remember again, after it changed) one incident."""
        if self.docs.get(recollection.incident_id) == recollection:
            return
        self.remove(recollection.incident_id)
        words = tokens(recollection.text)
        self.docs[recollection.incident_id] = recollection
        self._words[recollection.incident_id] = words
        for word, n in words.items():
            self._postings.setdefault(word, {})[recollection.incident_id] = n
        for key in self._fact_keys(recollection):
            self._facts.setdefault(key, set()).add(recollection.incident_id)
        self._stale = True

    @staticmethod
    def _fact_keys(r: Recollection) -> list[tuple[str, str]]:
        return [(name, value) for name, value in (("model", r.model), ("kind", r.kind), ("metric", r.metric)) if value]

    def add_all(self, recollections: Iterable[Recollection]) -> None:
        for recollection in recollections:
            self.add(recollection)

    def remove(self, incident_id: int) -> None:
        words = self._words.pop(incident_id, None)
        gone = self.docs.pop(incident_id, None)
        if words is None or gone is None:
            return
        for key in self._fact_keys(gone):
            holders = self._facts.get(key)
            if holders is not None:
                holders.discard(incident_id)
                if not holders:
                    del self._facts[key]
        for word in words:
            posting = self._postings.get(word)
            if posting is not None:
                posting.pop(incident_id, None)
                if not posting:
                    del self._postings[word]
        self._stale = True

    def _idf(self, word: str) -> float:
        return math.log((len(self.docs) + 1) / (len(self._postings.get(word, ())) + 1)) + 1.0

    def _renorm(self) -> None:
        """Each incident's vector length under the current IDF: redone once after changes, before a lookup."""
        idf = {word: self._idf(word) for word in self._postings}
        self._norms = {
            doc: math.sqrt(sum((n * idf[w]) ** 2 for w, n in words.items())) or 1.0
            for doc, words in self._words.items()
        }
        self._stale = False

    def text_scores(self, text: str) -> dict[int, float]:
        """Cosine similarity of TF-IDF vectors, for every incident sharing a word with `text`."""
        if self._stale:
            self._renorm()
        query = tokens(text)
        weights = {w: n * self._idf(w) for w, n in query.items() if w in self._postings}
        norm = math.sqrt(sum(q * q for q in weights.values())) or 1.0
        scores: dict[int, float] = {}
        for word, weight in weights.items():
            idf = self._idf(word)
            for doc, n in self._postings[word].items():
                scores[doc] = scores.get(doc, 0.0) + weight * n * idf
        return {doc: value / (norm * self._norms[doc]) for doc, value in scores.items()}

    def rank(
        self, query: Recollection, *, mode: str = "both", limit: int = 5, before: datetime | None = None
    ) -> list[Match]:
        """The `limit` most similar incidents (never the query itself; only those declared before `before`), by
        facts, text or both."""
        texts = self.text_scores(query.text) if mode in ("text", "both") else {}
        # The candidates share a word, the model, the incident type or the metric: one sharing only a deploy or a
        # drop's size would score at most 0.06 in all, never among the first.
        candidates: set[int] = set(texts)
        if mode in ("facts", "both"):
            for key in self._fact_keys(query):
                candidates |= self._facts.get(key, set())
        scored = []
        for doc in candidates:
            past = self.docs[doc]
            if doc == query.incident_id or (before is not None and past.declared_at >= before):
                continue
            facts = facts_score(query, past)[0] if mode in ("facts", "both") else 0.0
            text = texts.get(doc, 0.0)
            score = {"facts": facts, "text": text}.get(mode, (1 - TEXT_SHARE) * facts + TEXT_SHARE * text)
            if score > 0:
                scored.append((score, past.declared_at, doc, facts, text))
        best = heapq.nlargest(limit, scored)  # most alike first; of equals, the newest
        return [
            Match(incident_id=doc, score=score, facts=facts, text=text, why=facts_score(query, self.docs[doc])[1])
            for score, _, doc, facts, text in best
        ]
