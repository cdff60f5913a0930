"""The learned ranker: trained on cuts of the store's own history, and the blend's order when it cannot be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from learning.history import STARTED
from learning.ranker import RankerCache
from learning.ranker_training import train
from learning.signals import Signals
from tests.learning.test_recommender import SQL, learner, take


def test_with_too_little_history_the_ranker_falls_back_to_the_blend(service):
    reco = service.recommender
    ana = service.learners.update(learner(service), interests=("databases and SQL",))
    for i in range(5):
        take(service, f"U0P{i}", f"{SQL}/01-select", STARTED)
    blend = [p.course.id for p in reco.next_for(ana, k=10)]
    assert train(reco) is None
    reco.ranker = RankerCache(lambda: train(reco), service.history.count)  # as UPNEXT_RANKER=on wires it
    assert reco.ranker.refresh() is None and reco.ranker.current() is None
    assert [p.course.id for p in reco.next_for(ana, k=10)] == blend


def test_training_waits_for_enough_events(service):
    trained = []
    cache = RankerCache(lambda: trained.append(1), events=lambda: 10)
    assert cache.current() is None and not trained


def test_signals_at_a_cut_ignore_later_events(service):
    cut = datetime(2026, 6, 1, tzinfo=UTC)
    service.history.record("U0OLD", f"{SQL}/01-select", STARTED, at=cut - timedelta(days=3))
    service.history.record("U0NEW", f"{SQL}/02-sort-dup", STARTED, at=cut + timedelta(days=3))
    signals = Signals.build(service.history, service.courses, cut, before=cut)
    nums = {service.courses.get(c).num: c for c in (f"{SQL}/01-select", f"{SQL}/02-sort-dup")}
    assert {nums[n] for n in nums if signals.takers[n] > 0} == {f"{SQL}/01-select"}
