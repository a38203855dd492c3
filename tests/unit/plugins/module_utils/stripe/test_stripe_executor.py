"""The executor's apply-time decisions, with commands recorded instead of run."""

import json

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.stripe.executor import StripeExecutor
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import StripeSpec, plan_stripe

from nvme_fixtures import inventory, load_snapshot


@pytest.mark.parametrize("in_progress,expect_mkfs", [(True, True), (False, False)])
def test_ensure_fs_makes_a_half_made_xfs_again_and_keeps_a_finished_one(tmp_path, in_progress, expect_mkfs):
    # a stopped array: whether it holds a filesystem is only known at apply time
    plan = plan_stripe(StripeSpec("fast", backend="mdadm", selector={"class": "any"}), inventory("mdadm-stopped"))
    action = [a for a in plan.actions if a.kind == "ensure_fs"][0]
    head = bytearray.fromhex(load_snapshot("mdadm-xfs")["heads"]["/dev/md/fast"])
    head[126] = 1 if in_progress else 0
    device = tmp_path / "md-fast"
    device.write_bytes(bytes(head))
    action.path = str(device)
    ran = []

    def run(argv):
        ran.append(argv)
        if argv[0] == "wipefs":
            return 0, json.dumps({"signatures": [{"type": "xfs", "offset": "0x0"}]}), ""
        return 0, "", ""

    StripeExecutor(run, lambda name: None, systemd_running=False)._do_ensure_fs(action, plan)
    mkfs = [argv for argv in ran if argv[0] == "mkfs.xfs"]
    assert mkfs == ([["mkfs.xfs", "-q", "-d", "su=64k,sw=4", "-f", "/dev/md/fast"]] if expect_mkfs else [])
