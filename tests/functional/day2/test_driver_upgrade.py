"""A local CSI driver upgrade through playbooks/rollout.yml batches, from a private OCI registry, with Helm's rollback.

The fixture chart of tests/functional/cluster_storage is pushed as 0.3.0 and 0.3.1 (its appVersion, hence the
driver image tag, follows). Cluster up-ok takes 0.3.1 in the canary batch. On cluster up-bad the Kubernetes test
double plays a driver whose new pods never become ready: a DaemonSet written with the v0.3.1 image reports one pod
updated and none ready (a rolling update stuck on a crash-looping pod), so helm --atomic times out, puts revision 1
back itself, and the second batch fails.
"""
import json
import os
import shutil
import subprocess

import pytest
import yaml

from acstor_testlib import helm_release
from oci_registry import OciRegistry

from conftest import CHART, HELM_DIR

NEW = "v0.3.1"


@pytest.fixture
def registry(tmp_path):
    missing = OciRegistry.missing_tools()
    if missing:
        pytest.skip("OCI registry tools missing ({0}); tests/lab/host-packages.sh installs them".format(", ".join(missing)))
    server = OciRegistry(tmp_path / "registry").start()
    user, password = next(iter(server.users.items()))
    env = dict(os.environ, HELM_REGISTRY_CONFIG=str(tmp_path / "push-login.json"),
               HELM_CACHE_HOME=str(tmp_path / "helm-cache"), HELM_CONFIG_HOME=str(tmp_path / "helm-config"))

    def helm(*args, stdin=None):
        completed = subprocess.run([str(HELM_DIR / "helm")] + list(args), input=stdin, env=env, capture_output=True,
                                   text=True, check=False, timeout=120)
        assert completed.returncode == 0, completed.stderr
    try:
        helm("registry", "login", server.host, "--username", user, "--password-stdin", "--ca-file", str(server.ca_path), stdin=password)
        for version in ("0.3.0", "0.3.1"):
            chart = tmp_path / ("chart-" + version) / "local-csi-driver"
            shutil.copytree(CHART, chart)
            meta = yaml.safe_load((chart / "Chart.yaml").read_text())
            meta.update(version=version, appVersion="v" + version)
            (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
            helm("package", str(chart), "-d", str(tmp_path))
            helm("push", str(tmp_path / ("local-csi-driver-%s.tgz" % version)), "oci://{0}/acstor/charts".format(server.host),
                 "--ca-file", str(server.ca_path))
        server.access = {"csi_driver_chart_ref": "oci://{0}/acstor/charts/local-csi-driver".format(server.host),
                         "csi_driver_chart_registry_ca_file": str(server.ca_path),
                         "csi_driver_chart_registry_username": user, "csi_driver_chart_registry_password": password}
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
            obj["status"] = {"desiredNumberScheduled": state.nodes, "currentNumberScheduled": state.nodes,
                             "updatedNumberScheduled": 1, "numberReady": state.nodes - 1, "numberAvailable": state.nodes - 1,
                             "numberUnavailable": 1, "observedGeneration": obj["metadata"].get("generation", 1)}
            return None
        return original(resource, obj)
    state.on_write = on_write


def driver_image(server):
    daemonset = server.find("apps/v1", "DaemonSet", "csi-local-node", "kube-system")
    return daemonset["spec"]["template"]["spec"]["containers"][0]["image"]


def test_upgrade_passes_on_one_cluster_and_rolls_back_on_the_other(day2_fleet, registry, tmp_path):
    fleet = day2_fleet({name: {"phases": ["csi_driver"], "vars": registry.access} for name in ("up-ok", "up-bad")})
    install = fleet.play("rollout.yml", "-e", json.dumps({"rollout_serial": ["100%"], "csi_driver_chart_version": "0.3.0"}))
    assert install.rc == 0, install
    assert all(driver_image(server).endswith(":v0.3.0") for server in fleet.kube.values())

    never_ready_on(fleet.kube["up-bad"], NEW)
    upgrade = fleet.play("rollout.yml", "-e", json.dumps({
        "rollout_serial": [1, 1], "rollout_canaries": ["up-ok"], "rollout_max_fail_percentage": 0,
        "csi_driver_chart_version": "0.3.1", "csi_driver_wait_timeout": 10}))
    assert upgrade.rc == 2, upgrade
    summary = upgrade.stats["acstor_edge_rollout"]
    assert [b["failed"] for b in summary["batches"]] == [[], ["up-bad"]]

    good = summary["clusters"]["up-ok"]
    assert good["status"] == "ok" and good["batch"] == 1, good
    assert good["releases"]["csi_driver"] == {
        "version_before": "local-csi-driver-0.3.0", "version_after": "local-csi-driver-0.3.1",
        "revision_before": 1, "revision_after": 2, "rolled_back": False, "reason": ""}
    assert driver_image(fleet.kube["up-ok"]).endswith(":" + NEW)

    bad = summary["clusters"]["up-bad"]
    assert bad["status"] == "failed" and bad["phase"] == "csi_driver", bad
    release = bad["releases"]["csi_driver"]
    assert release["version_before"] == release["version_after"] == "local-csi-driver-0.3.0", release
    assert release["rolled_back"] is True and release["revision_after"] == 3, release
    assert "local CSI driver local-csi-driver-0.3.0 -> 0.3.1 failed on up-bad; helm rolled back to local-csi-driver-0.3.0" \
        in " ".join(bad["reason"].split()), bad
    # What helm left in the cluster: revision 3 (the rollback) deployed, the old driver image back.
    assert helm_release(fleet.kube["up-bad"], "local-csi-driver", "kube-system")["status"] == "deployed"
    assert driver_image(fleet.kube["up-bad"]).endswith(":v0.3.0")
    # The callback's report carries the same record.
    assert upgrade.report["clusters"]["up-bad"]["host"]["releases"]["csi_driver"]["rolled_back"] is True
    assert "csi_driver: local-csi-driver-0.3.0 -> local-csi-driver-0.3.0, rolled back: yes" in upgrade.out
