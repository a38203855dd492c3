"""acstor.edge.nvme_stripes: every stripe of a list and the boot side in one call, on recorded node snapshots
(tests/unit/fixtures/nvme) and boot files given as text, with the exact commands from test_nvme_stripes.yaml
(in the format of tests/unit/helpers/module_harness.py)."""

import json
from unittest import mock

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.stripe import boot_side
from ansible_collections.acstor.edge.plugins.modules import nvme_stripes

from module_harness import case_ids, load_cases, run_case, subset
from stripe_node_cases import NODE_KEYS, patch_node, snapshot_for

CASES = load_cases(__file__, extra_keys=NODE_KEYS + ("stripe_results", "diff_headers"))


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_nvme_stripes(case, monkeypatch):
    snapshot = snapshot_for(case)
    removed = patch_node(monkeypatch, case, snapshot)
    writes = mock.patch("ansible_collections.acstor.edge.plugins.module_utils.stripe.executor.write_file_atomic")
    boot_writes = mock.patch.object(boot_side, "write_file_atomic")
    with writes as written, boot_writes as boot_written:
        result = run_case(nvme_stripes, case, resolve=lambda value: snapshot.get(value["from"], ""))
    assert removed == case.get("removed", [])
    boot_written.assert_not_called()
    if case.get("check_mode"):
        written.assert_not_called()
    elif result.get("failed"):
        # a failed apply may only have left the pending record it writes before building
        assert all('"pending": true' in call.args[1] for call in written.call_args_list), written.call_args_list
    if "stripe_results" in case:
        assert len(result["results"]) == len(case["stripe_results"]), result["results"]
        for expected, actual in zip(case["stripe_results"], result["results"], strict=True):
            assert subset(expected, actual), (expected, sorted(actual.items()))
    if "diff_headers" in case:
        assert [d["before_header"] for d in result["diff"]] == case["diff_headers"]
    if not result.get("failed"):
        # one list of what the call did: every stripe's actions, named, then the boot side's
        expected = ["stripe %s: %s" % (r["name"], a) for r in result["results"] for a in r.get("actions", [])]
        assert result["actions"] == expected + ["boot side: %s" % a for a in result["boot"].get("actions", [])]
        assert bool(result["actions"]) == result["changed"] or result.get("removed_temp_files"), result["actions"]
    assert json.dumps(result)
