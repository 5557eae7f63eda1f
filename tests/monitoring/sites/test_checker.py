"""The site checker process's loop: it checks the due sites while it holds the `site-checker`
lease (a second checker stands by), the web process and the scheduler leave the checks to it,
and a page that did not change since the last check is not parsed again."""

from backend.core.config import get_settings
from backend.monitoring.sites import analysis, checker, scheduled


async def test_the_scheduler_leaves_the_checks_to_the_checker_process(checks_on, web, make_site, check_count,
                                                                      monkeypatch):
    web.page("/")
    site = await make_site(web.http_url + "/")
    monkeypatch.setattr(checker, "_left_to_checker", True)
    assert "skipped" in await scheduled.site_checks()
    monkeypatch.setenv("SITE_CHECKER", "scheduler")
    get_settings.cache_clear()
    assert (await scheduled.site_checks())["checked"] == 1
    assert await check_count(site) == 1


async def test_the_checker_checks_the_due_sites_while_it_holds_the_lease(checks_on, web, make_site, session,
                                                                        check_count):
    web.page("/")
    site = await make_site(web.http_url + "/")
    await session.commit()
    first = checker.Checker(holder="checker-a")
    assert await first.renew() is True
    assert (await first.round())["checked"] == 1  # the first round sweeps every site
    assert (await first.round())["checked"] == 0  # then each at its interval
    assert await check_count(site) == 1


async def test_a_second_checker_stands_by_while_the_first_leads(session):
    await session.commit()
    first, second = checker.Checker(holder="checker-a"), checker.Checker(holder="checker-b")
    assert await first.renew() is True
    assert await second.renew() is False
    await checker.release_lease(checker.LEASE_NAME, first.holder)  # a clean stop gives it up at once
    assert await second.renew() is True


async def test_an_unchanged_page_is_not_parsed_again(web, make_site, check):
    web.page("/", body="<html><body><h1>Cổng thông tin điện tử tỉnh Đắk Lắk</h1><p>Tin tức</p></body></html>")
    site = await make_site(web.http_url + "/")
    analysis.forget()
    parsed = analysis.stats["parsed"]
    await check(site, times=2)
    assert analysis.stats["parsed"] == parsed + 1
    web.page("/", body="<html><body><h1>Cổng thông tin điện tử tỉnh Đắk Lắk</h1><p>Tin mới</p></body></html>")
    await check(site)
    assert analysis.stats["parsed"] == parsed + 2


PRIORITY_PROBE = """
import json, os, threading, asyncio
from concurrent.futures import ProcessPoolExecutor
before = threading.Thread(target=threading.Event().wait, daemon=True); before.start()
from backend.monitoring.sites import analysis, checker
checker.lower_priority()
after = threading.Thread(target=threading.Event().wait, daemon=True); after.start()

def sched(pid, tid):
    fields = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[16]), int(fields[38])  # nice, policy

threads = [sched(os.getpid(), t) for t in os.listdir("/proc/self/task")]
worker = analysis._executor().submit(os.getpid).result()
print(json.dumps({"threads": threads, "worker": [sched(worker, t) for t in os.listdir(f"/proc/{worker}/task")]}))
analysis.shutdown()
"""


async def test_every_thread_and_the_analysis_worker_of_the_checker_run_below_the_web_process():
    import asyncio
    import json
    import os
    import sys

    from tests.monitoring.sites.conftest import ROOT

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PRIORITY_PROBE, cwd=ROOT, env={**os.environ, "SITE_CHECKER_SCHED": "batch"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    seen = json.loads(out)
    assert len(seen["threads"]) >= 3  # the main thread, one started before and one after
    assert all(nice >= checker.NICE and policy == os.SCHED_BATCH for nice, policy in seen["threads"])
    assert all(nice >= checker.NICE + 5 and policy == os.SCHED_BATCH for nice, policy in seen["worker"])
