"""The learned ranker: trained by the clock on cuts of the store's own history, saved in the store every web process
reads, and the blend's order whenever there is no model to read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np

from learning.people.history import COMPLETED, STARTED
from learning.recommend.ranker import CHECK_SECONDS, MODEL_KEY, MODEL_VERSION, Ranker, SavedRanker, candidates, features
from learning.recommend.ranker_training import USED, Queries, Retraining, fit, train
from learning.recommend.signals import Signals
from learning.store.engine import Store
from tests.helpers import MovableClock
from tests.learning.recommend.test_recommender import GIT, SQL, assert_truthful, learner, take

FIT_ANYTHING = {"objective": "lambdarank", "min_data_in_leaf": 1, "min_data_in_bin": 1, "verbosity": -1}


def blend_candidates(reco, person) -> tuple[list[str], np.ndarray]:
    """The blend's candidates for this learner, best first, and their feature rows."""
    frame, signals = reco.frames.current(), reco.signals.current()
    profile = reco.profile(person, frame)
    scores, parts = reco.score(profile, frame, signals)
    top = candidates(scores)
    return list(frame.ids[top]), features(top, parts, scores, profile, signals, frame, reco.clock())


def model_preferring(rows: np.ndarray, wanted: slice, trained_on: int) -> Ranker:
    """A real LightGBM model taught that the candidates at `wanted` (in the blend's order) are the ones taken."""
    labels = np.zeros(len(rows), np.float32)
    labels[wanted] = 1.0
    queries = Queries.joined(
        [Queries(rows, labels, np.array([len(rows)]), -np.arange(len(rows), dtype=np.float32))] * 4
    )
    model, validation = fit(queries, queries, queries, parameters=FIT_ANYTHING, rounds=20)
    return Ranker(model, USED, trained_on, validation)


def a_learner_with_history(service):
    ana = learner(service)
    for course in (f"{SQL}/11-prog-R", f"{GIT}/14-supplemental-rstudio"):  # the last steps: no path step to come
        take(service, ana.slack_id, course, COMPLETED)
    for i in range(6):
        take(service, f"U0P{i}", f"{SQL}/01-select", STARTED)
        take(service, f"U0P{i}", f"{SQL}/03-filter", STARTED)
    service.recommender.signals.refresh()
    return ana


def test_with_too_little_history_nothing_is_trained_and_the_blend_stands(service, store: Store):
    reco = service.recommender
    ana = a_learner_with_history(service)
    blend = [p.course.id for p in reco.next_for(ana, k=10)]
    assert train(reco, service.learners).outcome == "too little history"
    retraining = Retraining(reco, service.learners, SavedRanker(store), min_events=1, every=1)
    assert retraining.run().outcome == "too little history"
    assert store.get_meta(MODEL_KEY) is None
    reco.ranker = SavedRanker(store)  # as UPNEXT_RANKER=on wires the web process
    assert reco.ranker.current() is None
    assert [p.course.id for p in reco.next_for(ana, k=10)] == blend


def test_a_web_process_serves_the_model_the_clock_saved_and_notices_a_newer_one(service, store: Store):
    reco = service.recommender
    ana = a_learner_with_history(service)
    order, rows = blend_candidates(reco, ana)
    clock = MovableClock()
    reco.ranker = SavedRanker(store, clock)
    the_clocks = SavedRanker(store)  # the clock process's, on another machine: the store is all they share

    the_clocks.save(model_preferring(rows, slice(len(rows) - 5, None), trained_on=1))
    picks = reco.next_for(ana, k=5)
    assert picks[0].course.id in order[-5:]  # the model's favourite: one of the blend's last candidates
    assert_truthful(service, ana, picks)  # re-ranking keeps each reason's real evidence

    the_clocks.save(model_preferring(rows, slice(0, 5), trained_on=2))  # the clock saved a newer one
    assert reco.ranker.current().trained_on == 1  # the store is asked at most every CHECK_SECONDS
    clock.ahead = CHECK_SECONDS + 1
    picks = reco.next_for(ana, k=5)
    assert reco.ranker.current().trained_on == 2
    assert picks[0].course.id in order[:5]
    assert_truthful(service, ana, picks)


def test_a_saved_model_that_reads_unknown_features_is_ignored(service, store: Store):
    store.set_meta(MODEL_KEY, json.dumps({"features": ["from_a_later_version"], "trained_on": 1, "validation": {},
                                          "model": ""}))  # fmt: skip
    store.set_meta(MODEL_VERSION, "from-a-later-version")
    assert SavedRanker(store).current() is None


def test_the_clock_retrains_only_after_enough_new_events(service, store: Store):
    reco = service.recommender
    retraining = Retraining(reco, service.learners, SavedRanker(store), min_events=3, every=2)
    take(service, "U0A", f"{SQL}/01-select", STARTED)
    take(service, "U0A", f"{SQL}/02-sort-dup", STARTED)
    assert not retraining.due() and retraining.run() is None  # 2 events: below the minimum
    take(service, "U0B", f"{SQL}/01-select", STARTED)
    assert retraining.due() and retraining.run() is not None
    assert not retraining.due()  # nothing new since that attempt
    take(service, "U0B", f"{SQL}/02-sort-dup", STARTED)
    take(service, "U0C", f"{SQL}/01-select", STARTED)
    assert retraining.due()


def test_signals_at_a_cut_ignore_later_events(service):
    cut = datetime(2026, 6, 1, tzinfo=UTC)
    service.history.record("U0OLD", f"{SQL}/01-select", STARTED, at=cut - timedelta(days=3))
    service.history.record("U0NEW", f"{SQL}/02-sort-dup", STARTED, at=cut + timedelta(days=3))
    signals = Signals.build(service.history, service.courses, cut, before=cut)
    nums = {service.courses.get(c).num: c for c in (f"{SQL}/01-select", f"{SQL}/02-sort-dup")}
    assert {nums[n] for n in nums if signals.takers[n] > 0} == {f"{SQL}/01-select"}
