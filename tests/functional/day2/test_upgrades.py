"""Version upgrades through playbooks/rollout.yml batches, with their way back: the local CSI driver (Helm) and the Arc
extension (ARM), on one fleet of four clusters so that the fleet is installed and upgraded in two runs.

Local CSI driver: the fixture chart of tests/functional/cluster_storage is pushed to a private OCI registry as 0.3.0
and 0.3.1 (its appVersion, hence the driver image tag, follows). Cluster up-ok takes 0.3.1 in the canary batch. On
cluster up-bad the Kubernetes test double plays a driver whose new pods never become ready: a DaemonSet written with
the v0.3.1 image reports one pod updated and not ready (a rolling update stuck on a crash-looping pod), so the role's
readiness wait times out, `helm rollback` puts revision 1 back, and the cluster fails its batch.

Arc extension: rb-on and rb-off are on the pinned 2.12.0 (auto-upgrade off). The upgrade to 2.12.3 fails the way ARM
reports a failed extension install (the long-running operation ends Failed with HelmInstallFailed): the ARM test
server's next two operations fail, one per cluster, and every later one succeeds. rb-on (rollout_rollback_on_failure:
true) gets 2.12.0 back; rb-off stays on the failed 2.12.3 and the report says why. The same on a health gate that
fails after a successful upgrade (Arc reports the extension Failed when the gate reads it).
"""

import json
import shutil

import pytest
import yaml
from day2_fleet import CHART, HELM_DIR

from acstor_testlib import helm_release
from arm_server import SUBSCRIPTION, ExtensionBehaviour
from oci_registry import OciRegistry

NEW = "v0.3.1"
OLD_EXT, NEW_EXT = "2.12.0", "2.12.3"
# The GET of the upgraded extension that the health gate makes: the arc_extension role reads it once after its
# operation ended (the version after), the gate next.
GATE_READ = 2


@pytest.fixture
def registry(tmp_path):
    missing = OciRegistry.missing_tools()
    if missing:
        pytest.skip(
            "OCI registry tools missing ({0}); tests/lab/host-packages.sh installs them".format(", ".join(missing))
        )
    server = OciRegistry(tmp_path / "registry").start()
    user, password = list(server.users.items())[0]
    try:
        charts = []
        for version in ("0.3.0", "0.3.1"):
            chart = tmp_path / ("chart-" + version) / "local-csi-driver"
            shutil.copytree(CHART, chart)
            meta = yaml.safe_load((chart / "Chart.yaml").read_text())
            meta.update(version=version, appVersion="v" + version)
            (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
            charts.append(chart)
        repository = server.push_charts(HELM_DIR / "helm", charts, user, tmp_path)
        server.access = {
            "csi_driver_chart_ref": repository + "/local-csi-driver",
            "csi_driver_chart_registry_ca_file": str(server.ca_path),
            "csi_driver_chart_registry_username": user,
            "csi_driver_chart_registry_password": password,
        }
        yield server
    finally:
        server.stop()


def never_ready_on(server, image_tag):
    """From now on a DaemonSet written with `image_tag` never gets ready (the other writes behave as before)."""
    state = server.state
    original = state.on_write

    def on_write(resource, obj):
        containers = ((obj.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
        if resource.kind == "DaemonSet" and any(c.get("image", "").endswith(":" + image_tag) for c in containers):
            obj["status"] = {
                "desiredNumberScheduled": state.nodes,
                "currentNumberScheduled": state.nodes,
                "updatedNumberScheduled": 1,
                "numberReady": state.nodes - 1,
                "numberAvailable": state.nodes - 1,
                "numberUnavailable": 1,
                "observedGeneration": obj["metadata"].get("generation", 1),
            }
            return None
        return original(resource, obj)

    state.on_write = on_write


def driver_image(server):
    daemonset = server.find("apps/v1", "DaemonSet", "csi-local-node", "kube-system")
    return daemonset["spec"]["template"]["spec"]["containers"][0]["image"]


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
    key = (
        (
            "/subscriptions/{0}/resourceGroups/rg-edge/providers/Microsoft.Kubernetes/connectedClusters/{1}/providers/"
            "Microsoft.KubernetesConfiguration/extensions/azure-arc-containerstorage"
        )
        .format(SUBSCRIPTION, cluster)
        .lower()
    )
    return arm.state.extensions[key]["properties"]


def test_upgrades_pass_or_go_back(day2_fleet, registry):
    fleet = day2_fleet(
        {
            **{name: {"phases": ["csi_driver"], "vars": registry.access} for name in ("up-ok", "up-bad")},
            "rb-on": {"phases": ["arc_extension"], "vars": {"rollout_rollback_on_failure": True}},
            "rb-off": {"phases": ["arc_extension"]},
        }
    )
    install = fleet.play(
        "rollout.yml",
        "-e",
        json.dumps({"rollout_serial": ["100%"], "csi_driver_chart_version": "0.3.0", "arc_extension_version": OLD_EXT}),
    )
    assert install.rc == 0, install
    assert all(driver_image(fleet.kube[name]).endswith(":v0.3.0") for name in ("up-ok", "up-bad"))
    assert {extension(fleet.arm, c)["version"] for c in ("rb-on", "rb-off")} == {OLD_EXT}

    never_ready_on(fleet.kube["up-bad"], NEW)
    fleet.arm.state.behaviour = FailingOperations(2)
    upgrade = fleet.play(
        "rollout.yml",
        "-e",
        json.dumps(
            {
                "rollout_serial": [1, "100%"],
                "rollout_canaries": ["up-ok"],
                "rollout_max_fail_percentage": 100,
                "csi_driver_chart_version": "0.3.1",
                "csi_driver_wait_timeout": 10,
                "arc_extension_version": NEW_EXT,
            }
        ),
    )
    assert upgrade.rc == 2, upgrade
    summary = upgrade.stats["acstor_edge_rollout"]
    assert [sorted(b["failed"]) for b in summary["batches"]] == [[], ["rb-off", "rb-on", "up-bad"]]
    clusters = summary["clusters"]

    # Local CSI driver: the canary upgraded; up-bad went back with helm rollback and failed its batch.
    good = clusters["up-ok"]
    assert good["status"] == "ok" and good["batch"] == 1, good
    assert good["releases"]["csi_driver"] == {
        "version_before": "local-csi-driver-0.3.0",
        "version_after": "local-csi-driver-0.3.1",
        "revision_before": 1,
        "revision_after": 2,
        "rolled_back": False,
        "reason": "",
    }
    assert driver_image(fleet.kube["up-ok"]).endswith(":" + NEW)
    bad = clusters["up-bad"]
    assert bad["status"] == "failed" and bad["phase"] == "csi_driver", bad
    release = bad["releases"]["csi_driver"]
    assert release["version_before"] == release["version_after"] == "local-csi-driver-0.3.0", release
    assert release["rolled_back"] is True and release["revision_after"] == 3, release
    assert (
        "local CSI driver local-csi-driver-0.3.0 -> 0.3.1 failed on up-bad; helm rolled back to local-csi-driver-0.3.0"
        in " ".join(bad["reason"].split())
    ), bad
    # What helm left in the cluster: revision 3 (the rollback) deployed, the old driver image back.
    assert helm_release(fleet.kube["up-bad"], "local-csi-driver", "kube-system")["status"] == "deployed"
    assert driver_image(fleet.kube["up-bad"]).endswith(":v0.3.0")
    assert upgrade.report["clusters"]["up-bad"]["host"]["releases"]["csi_driver"]["rolled_back"] is True
    assert "csi_driver: local-csi-driver-0.3.0 -> local-csi-driver-0.3.0, rolled back: yes" in upgrade.out

    # Arc extension: both upgrades failed; only rb-on was asked to go back.
    for name in ("rb-on", "rb-off"):
        assert clusters[name]["status"] == "failed" and clusters[name]["phase"] == "arc_extension", clusters[name]
        assert "HelmInstallFailed" in clusters[name]["reason"], clusters[name]
    rolled = clusters["rb-on"]["releases"]["arc_extension"]
    assert (
        rolled["version_before"] == OLD_EXT and rolled["version_after"] == OLD_EXT and rolled["rolled_back"] is True
    ), rolled
    assert "put back on 2.12.0" in rolled["reason"] and "neither support nor forbid" in rolled["reason"], rolled
    assert extension(fleet.arm, "rb-on")["version"] == OLD_EXT
    assert extension(fleet.arm, "rb-on")["provisioningState"] == "Succeeded"
    kept = clusters["rb-off"]["releases"]["arc_extension"]
    assert kept == {
        "version_before": OLD_EXT,
        "version_after": NEW_EXT,
        "rolled_back": False,
        "reason": "rollout_rollback_on_failure is false: the extension stays on " + NEW_EXT,
    }, kept
    assert extension(fleet.arm, "rb-off")["version"] == NEW_EXT
    assert extension(fleet.arm, "rb-off")["provisioningState"] == "Failed"
    # The last extension write is rb-on's rollback.
    writes = [r for r in fleet.arm.state.writes() if "azure-arc-containerstorage" in r["path"]]
    assert "rb-on" in writes[-1]["path"] and writes[-1]["method"] in ("PATCH", "PUT"), writes[-3:]
    assert fleet.arm.state.violations == []
    assert "arc_extension: 2.12.0 -> 2.12.0, rolled back: yes" in upgrade.out


class FailsAfterUpgrade(ExtensionBehaviour):
    """The upgrade to `version` provisions, then Arc's agent reports it Failed: from the `reads`-th GET after the
    operation ended (the arc_extension role's own reads come first, the health gate's read last)."""

    def __init__(self, version, reads):
        super().__init__()
        self.version, self.reads = version, reads

    def after_read(self, resource):
        properties = resource["properties"]
        if properties.get("version") != self.version or properties.get("provisioningState") != "Succeeded":
            return
        seen = resource["_reads_after_upgrade"] = resource.get("_reads_after_upgrade", 0) + 1
        if seen >= self.reads:
            properties.update(
                provisioningState="Failed",
                errorInfo={"code": "HelmUpgradeFailed", "message": "post-upgrade hook failed: pods not ready"},
            )


def test_extension_upgrade_whose_health_gate_fails_goes_back_only_when_asked(day2_fleet):
    fleet = day2_fleet(
        {
            "gate-on": {"phases": ["arc_extension"], "vars": {"rollout_rollback_on_failure": True}},
            "gate-off": {"phases": ["arc_extension"]},
        }
    )
    install = fleet.play(
        "rollout.yml", "-e", json.dumps({"rollout_serial": ["100%"], "arc_extension_version": OLD_EXT})
    )
    assert install.rc == 0, install
    fleet.arm.state.behaviour = FailsAfterUpgrade(NEW_EXT, reads=GATE_READ)
    upgrade = fleet.play(
        "rollout.yml",
        "-e",
        json.dumps({"rollout_serial": ["100%"], "rollout_max_fail_percentage": 100, "arc_extension_version": NEW_EXT}),
    )
    assert upgrade.rc == 2, upgrade
    clusters = upgrade.stats["acstor_edge_rollout"]["clusters"]
    for name in ("gate-on", "gate-off"):
        # the extension phase passed; the health gate found the upgraded extension Failed
        assert clusters[name]["status"] == "failed" and clusters[name]["phase"] == "gate", clusters[name]
        assert "is Failed (HelmUpgradeFailed" in " ".join(clusters[name]["reason"].split()), clusters[name]
    rolled = clusters["gate-on"]["releases"]["arc_extension"]
    assert rolled["version_before"] == OLD_EXT and rolled["rolled_back"] is True, rolled
    assert extension(fleet.arm, "gate-on")["version"] == OLD_EXT
    assert extension(fleet.arm, "gate-on")["provisioningState"] == "Succeeded"
    kept = clusters["gate-off"]["releases"]["arc_extension"]
    assert kept["rolled_back"] is False and kept["version_after"] == NEW_EXT, kept
    assert kept["reason"] == "rollout_rollback_on_failure is false: the extension stays on " + NEW_EXT, kept
    assert extension(fleet.arm, "gate-off")["version"] == NEW_EXT
    assert fleet.arm.state.violations == []
