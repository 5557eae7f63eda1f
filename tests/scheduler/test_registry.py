"""The job registry: the domains' JOBS lists plus the jobs edges register at start-up."""

import inspect
import re

import pytest

from backend import scheduler
from backend.core import jobs as job_registry
from backend.core.jobs import Job


@pytest.fixture
def edge_job():
    """A job registered the way an edge registers its own at start-up (removed afterwards)."""
    calls = []

    async def ping(now=None):
        calls.append(now)
        return {"pinged": len(calls)}

    job = Job("edge-ping", ping, 60, "mỗi phút", "Công việc thử của một kênh")
    job_registry.register(job)
    yield calls
    job_registry._REGISTRY.pop(job.name, None)


def test_every_job_resolves_to_an_async_function_taking_now():
    jobs = scheduler.all_jobs()
    names = [job.name for job in jobs]
    assert len(names) == len(set(names))
    assert {"deadline-watch", "rating-reminder", "auto-close", "outbox-retry", "stats-rollup"} <= set(names)
    for job in jobs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", job.name), job.name
        assert inspect.iscoroutinefunction(job.func), job.name
        assert "now" in inspect.signature(job.func).parameters, job.name
        assert job.seconds > 0 and job.schedule_text and job.doc, job.name


def test_no_job_points_at_a_module_that_does_not_exist():
    modules = {job.func.__module__ for job in scheduler.all_jobs()}
    assert all(not m.startswith("bot.dialogue.store") for m in modules)
    cleanup = [job for job in scheduler.all_jobs() if job.name == "conversation-cleanup"]
    assert [job.func.__module__ for job in cleanup] == ["bot.dialogue.scheduled"]  # the real one, registered


async def test_a_registered_edge_job_runs_by_name(site, edge_job):
    assert await scheduler.run_job_once("edge-ping") == {"pinged": 1}
    assert edge_job == [None]


async def test_the_runner_schedules_registered_edge_jobs(site, edge_job):
    runner = scheduler.Runner("registry-test")
    runner.start()
    try:
        scheduled = {job.id for job in runner.scheduler.get_jobs()}
    finally:
        await runner.stop()
    assert {"lease", "edge-ping", "deadline-watch", "stats-rollup"} <= scheduled
    runner.leader = True
    assert await runner.run_if_leader("edge-ping") == {"pinged": 1}
