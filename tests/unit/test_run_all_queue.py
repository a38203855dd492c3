"""run_all's shared stage queue: lanes take stages in order, a stage waits for what it needs and never runs beside
one that shares a lock, and a need that fails still lets its stages start (they then fail by name)."""

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import run_all  # noqa: E402  pylint: disable=wrong-import-position,import-error


def run_lanes(queue, lanes=3, before=None):
    """Run `lanes` workers on the queue; before(queue) runs in its own thread first (to make needs ready)."""
    threads = [threading.Thread(target=queue.work) for lane_number in range(lanes)]
    if before:
        threads.append(threading.Thread(target=before, args=(queue,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive(), "a lane never finished: the queue deadlocked"


def recorder():
    events, lock = [], threading.Lock()

    def stage(name, seconds=0.05):
        def run():
            with lock:
                events.append(("start", name))
            time.sleep(seconds)
            with lock:
                events.append(("end", name))

        return run

    return events, stage


def overlapping(events, first, second):
    """Whether the two stages ever ran at the same time."""
    running = set()
    for kind, name in events:
        if kind == "start":
            running.add(name)
            if {first, second} <= running:
                return True
        else:
            running.discard(name)
    return False


def test_stages_sharing_a_lock_never_overlap_and_all_run():
    events, stage = recorder()
    items = [
        run_all.Item("stripe@trixie", stage("stripe@trixie"), locks=["molecule:stripe"]),
        run_all.Item("stripe", stage("stripe"), locks=["molecule:stripe"]),
        run_all.Item("other", stage("other")),
    ]
    run_lanes(run_all.StageQueue(items))
    assert {name for kind, name in events if kind == "end"} == {"stripe@trixie", "stripe", "other"}
    assert not overlapping(events, "stripe@trixie", "stripe")
    assert overlapping(events, "stripe@trixie", "other")


def test_a_stage_waits_for_its_need_and_later_stages_pass_it():
    events, stage = recorder()
    items = [
        run_all.Item("needs image", stage("needs image"), needs=["image trixie"]),
        run_all.Item("host tests", stage("host tests")),
    ]

    def make_ready(queue):
        time.sleep(0.2)
        events.append(("ready", "image trixie"))
        queue.ready("image trixie")

    run_lanes(run_all.StageQueue(items), lanes=1, before=make_ready)
    assert [name for kind, name in events if kind == "start"] == ["host tests", "needs image"]
    assert events.index(("ready", "image trixie")) < events.index(("start", "needs image"))


def test_a_stage_that_makes_a_need_ready_does_so_even_when_it_fails():
    events, stage = recorder()

    def broken_image():
        raise RuntimeError("mmdebstrap failed")

    items = [
        run_all.Item("lab image trixie", broken_image, finally_ready="image trixie"),
        run_all.Item("molecule x@trixie", stage("molecule x@trixie"), needs=["image trixie"]),
    ]
    queue = run_all.StageQueue(items)
    lanes = [threading.Thread(target=run_all._guarded(run_all.Tally(), queue.work)) for lane_number in range(2)]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join(timeout=10)
        assert not lane.is_alive()
    assert ("end", "molecule x@trixie") in events


def test_queue_order_names_every_default_stage():
    """QUEUE_ORDER orders stages by name: a renamed stage would silently drop to the end of the queue."""
    names = {f"molecule {scenario}" for scenario in run_all.DEFAULT_SCENARIOS}
    names |= {f"pytest functional (host: {group})" for group in run_all.HOST_FUNCTIONAL_GROUPS}
    names |= {"pytest functional (lab: e2e)", "pytest functional (lab: rest)", "lab image trixie"}
    names |= {f"ansible-core {version}: pytest {path}" for version, path in [("2.21", "tests/functional/e2e")]}
    assert names == set(run_all.QUEUE_ORDER)
