"""bench/run.py (`make bench`): which scripts it runs, how it collects their figures, that it
stops one past its time bound, and that RESULTS.md keeps its dated history."""

import json
from pathlib import Path

import pytest

from bench import run as runner

ROW = {"figure": "f", "goal": ">= 1", "measured": 2, "unit": "x", "met": True}


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def test_every_benchmark_is_discovered_but_the_runner_and_the_django_modules():
    names = {p.name for p in runner.discover([])}

    assert {"verify_audit.py", "api_throughput.py", "webhook_fanout.py"} <= names
    assert names.isdisjoint({"run.py", "settings.py", "urls.py"})


def test_the_figures_a_benchmark_prints_are_collected_and_the_rest_is_logged(tmp_path):
    bench = script(
        tmp_path,
        "fake.py",
        f"print('warming up')\nprint('BENCH_RESULT ' + {json.dumps(json.dumps(ROW))})\n",
    )

    result = runner.run_one(bench, [], {"PATH": "/usr/bin:/bin"}, 60, tmp_path / "fake.log")

    assert result["rows"] == [ROW]
    assert result["errors"] == []
    assert "warming up" in (tmp_path / "fake.log").read_text()


def test_a_benchmark_that_prints_no_figure_is_reported_as_failed(tmp_path):
    bench = script(tmp_path, "silent.py", "print('done')\n")

    result = runner.run_one(bench, [], {"PATH": "/usr/bin:/bin"}, 60, tmp_path / "s.log")

    assert result["errors"] == ["printed no BENCH_RESULT line"]


def test_a_benchmark_past_its_time_bound_is_stopped_and_reported(tmp_path):
    bench = script(
        tmp_path, "slow.py", "import time\nprint('started', flush=True)\ntime.sleep(60)\n"
    )

    result = runner.run_one(bench, [], {"PATH": "/usr/bin:/bin"}, 1, tmp_path / "slow.log")

    assert result["seconds"] < 30
    assert result["errors"][0] == "stopped after the 1 s time bound"


def test_a_quick_run_skips_a_benchmark_without_a_quick_option(tmp_path):
    bench = script(tmp_path, "big.py", "import argparse\n")

    assert runner.arguments(bench, quick=True, env={}) is None
    assert runner.arguments(bench, quick=False, env={}) == []


@pytest.fixture
def results_md(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmark results\n\nIntro.\n\n## 2026-11-29\n\nOld figures.\n")
    monkeypatch.setattr(runner, "RESULTS_MD", path)
    return path


def test_results_md_gets_the_new_section_on_top_and_keeps_its_history(results_md):
    runner.write_results("## Latest `make bench`: first\n")
    runner.write_results("## Latest `make bench`: second\n")

    text = results_md.read_text()
    assert text.startswith("# Benchmark results\n\n## Latest `make bench`: second\n")
    assert "first" not in text
    assert text.count(runner.MARKER) == 1
    assert text.endswith(f"{runner.MARKER}\n\nIntro.\n\n## 2026-11-29\n\nOld figures.\n")


def test_a_quick_run_says_so_in_its_section():
    machine = dict.fromkeys(
        ["date", "cores", "cpu", "postgres", "redis", "commit", "load_before", "load_after"], "-"
    )
    runs = [{"script": "fake.py", "rows": [ROW], "errors": []}]

    text = runner.section(runs, {**machine, "minutes": 1.0}, quick=True)

    assert "Quick run, not the goals' sizes" in text
    assert "| `fake.py` | f | >= 1 | 2 x | yes |  |" in text
