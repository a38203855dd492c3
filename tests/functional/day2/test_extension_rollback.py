"""An Arc extension version upgrade through playbooks/rollout.yml that fails, with rollout_rollback_on_failure on and off.

Two clusters on the ARM test server, both on the pinned version 2.12.0 (auto-upgrade off). The upgrade to 2.12.3 is
made to fail the way ARM reports a failed extension install (the long-running operation ends Failed with
HelmInstallFailed): the test server's next two operations fail, one per cluster, and every later one succeeds. rb-on
(rollout_rollback_on_failure: true) gets 2.12.0 back; rb-off stays on the failed 2.12.3 and the report says why.
"""
import json

from arm_server import SUBSCRIPTION, ExtensionBehaviour

OLD, NEW = "2.12.0", "2.12.3"


class FailingOperations(ExtensionBehaviour):
    """ExtensionBehaviour whose next `count` long-running operations end Failed."""

    def __init__(self, count):
        super().__init__()
        self.failures_left = count

    @property
    def lro_result(self):
        if self.failures_left > 0:
            self.failures_left -= 1
            return "Failed"
        return "Succeeded"

    @lro_result.setter
    def lro_result(self, _value):
        pass


def extension(arm, cluster):
    key = ("/subscriptions/{0}/resourceGroups/rg-edge/providers/Microsoft.Kubernetes/connectedClusters/{1}/providers/"
           "Microsoft.KubernetesConfiguration/extensions/azure-arc-containerstorage").format(SUBSCRIPTION, cluster).lower()
    return arm.state.extensions[key]["properties"]


def test_failed_extension_upgrade_is_rolled_back_only_when_asked(day2_fleet):
    fleet = day2_fleet({"rb-on": {"phases": ["arc_extension"], "vars": {"rollout_rollback_on_failure": True}},
                        "rb-off": {"phases": ["arc_extension"]}})
    install = fleet.play("rollout.yml", "-e", json.dumps({"rollout_serial": ["100%"], "arc_extension_version": OLD}))
    assert install.rc == 0, install
    assert {extension(fleet.arm, c)["version"] for c in ("rb-on", "rb-off")} == {OLD}

    fleet.arm.state.behaviour = FailingOperations(2)
    upgrade = fleet.play("rollout.yml", "-e", json.dumps({
        "rollout_serial": ["100%"], "rollout_max_fail_percentage": 100, "arc_extension_version": NEW}))
    assert upgrade.rc == 2, upgrade
    clusters = upgrade.stats["acstor_edge_rollout"]["clusters"]
    for name in ("rb-on", "rb-off"):
        assert clusters[name]["status"] == "failed" and clusters[name]["phase"] == "arc_extension", clusters[name]
        assert "HelmInstallFailed" in clusters[name]["reason"], clusters[name]

    rolled = clusters["rb-on"]["releases"]["arc_extension"]
    assert rolled["version_before"] == OLD and rolled["version_after"] == OLD and rolled["rolled_back"] is True, rolled
    assert "put back on 2.12.0" in rolled["reason"] and "not known" in rolled["reason"], rolled
    assert extension(fleet.arm, "rb-on")["version"] == OLD
    assert extension(fleet.arm, "rb-on")["provisioningState"] == "Succeeded"

    kept = clusters["rb-off"]["releases"]["arc_extension"]
    assert kept == {"version_before": OLD, "version_after": NEW, "rolled_back": False,
                    "reason": "rollout_rollback_on_failure is false: the extension stays on " + NEW}, kept
    assert extension(fleet.arm, "rb-off")["version"] == NEW
    assert extension(fleet.arm, "rb-off")["provisioningState"] == "Failed"

    # The rollback is one PATCH of the version, on rb-on only.
    patches = [r for r in fleet.arm.state.writes() if r["method"] in ("PATCH", "PUT") and "azure-arc-containerstorage" in r["path"]]
    assert [("rb-on" in r["path"]) for r in patches[-3:]] == [True, False, True] or \
        [("rb-on" in r["path"]) for r in patches[-3:]] == [False, True, True], patches[-3:]
    assert fleet.arm.state.violations == []
    assert "arc_extension: 2.12.0 -> 2.12.0, rolled back: yes" in upgrade.out
