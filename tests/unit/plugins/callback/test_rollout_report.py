"""The rollout_report callback's change records: a looping task's changes come per item, a module's own `results`
list (acstor.edge.nvme_stripes: one entry per stripe) is not a loop and its change is recorded once."""

from types import SimpleNamespace

import pytest

from ansible_collections.acstor.edge.plugins.callback.rollout_report import CallbackModule


def _result(data, loop=None, loop_with=None):
    task = SimpleNamespace(
        _uuid="t1", _role=None, loop=loop, loop_with=loop_with, get_name=lambda: "Ensure the NVMe stripes"
    )
    return SimpleNamespace(_host=SimpleNamespace(get_name=lambda: "node1"), _task=task, _result=data)


STRIPES = {
    "changed": True,
    "actions": ["stripe modelcache: mount /dev/modelcache/modelcache at /var/lib/modelcache"],
    "results": [{"name": "csi", "changed": False}, {"name": "modelcache", "changed": True}],
}


@pytest.mark.parametrize(
    ("loop", "loop_with", "recorded"),
    [
        (None, None, ["stripe modelcache: mount /dev/modelcache/modelcache at /var/lib/modelcache"]),
        ("{{ stripes }}", None, []),  # a loop: its items are recorded one by one (v2_runner_item_on_ok)
        (None, "items", []),
    ],
)
def test_results_key_is_a_loop_only_when_the_task_loops(loop, loop_with, recorded):
    callback = CallbackModule()
    callback.v2_runner_on_ok(_result(dict(STRIPES), loop=loop, loop_with=loop_with))
    entry = callback.hosts["node1"]
    assert entry["phases"]["rollout"]["changed"] == 1
    assert [change["what"] for change in entry["changes"]] == recorded
