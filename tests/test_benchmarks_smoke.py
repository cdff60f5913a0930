"""Each benchmark script runs for a few seconds on tiny data, so the scripts cannot rot. No timing is asserted."""

from __future__ import annotations

from benchmarks import embedding_throughput, slack_latency
from tests.conftest import SMALL_CATALOG


def test_embedding_throughput_smoke():
    results = embedding_throughput.main(["--smoke"])
    assert results["cold"]["embedded"] == results["courses"] and results["warm_cache"]["embedded"] == 0


def test_slack_latency_smoke():
    results = slack_latency.main(["--smoke", "--catalog", str(SMALL_CATALOG)])
    assert results["all_acked"] and results["answer"]["n"] == 3
