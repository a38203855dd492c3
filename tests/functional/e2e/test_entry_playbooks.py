"""Issue 21: the entry playbooks, run unchanged with the defaults a user gets from inventories/example.

The tests run in file order on one fleet (one lab VM, three clusters): converge, rerun, each path that installs the
local CSI driver, teardown, converge again. Each test says which step of the issue's "What proves it" it covers.
"""

import json

from cluster_examples import local_csi_volume
from e2e_fleet import ACCOUNT, CLUSTERS, NODES, RG, SUBSCRIPTION

IDENTITY = "acsa-store-0042"
EXTENSION = "azure-arc-containerstorage"
CONFIG = ("arccontainerstorage.azure.net/v1", "EdgeStorageConfiguration", "edge-storage-configuration")
CSI_HANDOFF = {"volume_group": "containerstorage", "cleanup_enabled": False, "models": ["Microsoft NVMe Direct Disk"]}
FIRST = {}


def confirm():
    return "acstor_edge_teardown_confirm=" + ",".join(CLUSTERS)


def azure_objects(arm):
    """What exists in the ARM double, by kind: extensions, identities, federated credentials, role assignments."""
    state = arm.state
    return {
        "extensions": sorted(e["name"] for e in state.extensions.values()),
        "identities": sorted(i["name"] for i in state.identities.values()),
        "federated": sorted((key.rsplit("/", 1)[-1], name) for key, creds in state.federated.items() for name in creds),
        "role_assignments": sorted(
            (a["properties"]["scope"], a["properties"]["principalId"]) for a in state.role_assignments.values()
        ),
    }


def edge_configuration(fleet):
    return fleet.kube["store-0042"].find(*CONFIG)


def snapshot(fleet):
    """What a converge leaves, without the ids Azure makes up: compared between the first and the second converge."""
    release = {name: fleet.release(name) for name in ("gpu-0007", "plant-0003")}
    extension = next(e for e in fleet.arm.state.extensions.values() if e["name"] == EXTENSION)
    config = edge_configuration(fleet)
    node = fleet.node_state()
    # a copy: later tests edit the ARM test server's objects in place (the drift test's "portal" change)
    return json.loads(
        json.dumps(
            {
                "releases": {name: r["config"] for name, r in release.items()},
                "extension": {
                    k: extension["properties"].get(k)
                    for k in (
                        "extensionType",
                        "version",
                        "releaseTrain",
                        "autoUpgradeMinorVersion",
                        "configurationSettings",
                    )
                },
                "azure": {k: len(v) for k, v in azure_objects(fleet.arm).items()},
                "configuration_spec_keys": sorted(config["spec"]),
                "records": sorted(node["records"]),
                "fact": node["fact"],
                "unit": node["unit"],
            }
        )
    )


def test_site_converges_with_cleanup_off_over_the_csi_vg(fleet):
    """site.yml: the csi_vg site's release has cleanup.enabled=false in its stored values; workload identity wired."""
    # Objects the collection did not create: they must survive everything below.
    state = fleet.arm.state
    foreign_extension = (
        "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Kubernetes/connectedClusters/store-0042/"
        "providers/Microsoft.KubernetesConfiguration/extensions/azure-cert-management"
    ).format(SUBSCRIPTION, RG)
    state.extensions[foreign_extension.lower()] = {
        "id": foreign_extension,
        "name": "azure-cert-management",
        "properties": {"extensionType": "Microsoft.CertManagement", "provisioningState": "Succeeded"},
    }
    fleet.kube["store-0042"].add(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "not-ours", "namespace": "default"},
            "data": {"keep": "me"},
        }
    )
    FIRST["foreign"] = azure_objects(fleet.arm)

    run = fleet.play("site.yml", label="site.yml (converge 1)")
    assert run.rc == 0, run
    assert sorted(run.hosts) == sorted(CLUSTERS + list(NODES) + ["localhost"]), run.hosts

    plant = fleet.release("plant-0003")
    assert plant["config"]["cleanup"] == {"enabled": False}, plant
    node = fleet.node_state()
    assert node["records"]["csi"]["csi_handoff"] == CSI_HANDOFF
    assert node["fact"] == {"csi_handoff": CSI_HANDOFF} and node["unit"] == "enabled", node
    # gpu-0007's node host is the same VM: it holds the VG too, read on the node, so cleanup is off there as well
    assert fleet.release("gpu-0007")["config"]["cleanup"] == {"enabled": False}

    extension = next(e for e in state.extensions.values() if e["name"] == EXTENSION)
    # the documented flow: no storage-configuration settings; the reduced-privilege mode adds only its own
    assert extension["properties"]["configurationSettings"] == {"ENABLE_LOCALHOST_TOKEN_ENDPOINT": "True"}
    identity = next(i for i in state.identities.values() if i["name"] == IDENTITY)
    spec = edge_configuration(fleet)["spec"]
    assert spec["workloadIdentity"] == {
        "clientID": identity["properties"]["clientId"],
        "tenantID": identity["properties"]["tenantId"],
    }, spec
    assert (ACCOUNT, identity["properties"]["principalId"]) in azure_objects(fleet.arm)["role_assignments"]
    assert len(azure_objects(fleet.arm)["federated"]) == 3
    FIRST["snapshot"] = snapshot(fleet)
    FIRST["plant_revision"] = plant["version"]


def test_second_site_run_changes_nothing(fleet):
    run = fleet.play("site.yml", label="site.yml (rerun)")
    assert run.rc == 0, run
    assert run.changed() == {}, run
    assert fleet.release("plant-0003")["version"] == FIRST["plant_revision"]


def test_rollout_then_site_and_clusters_leave_the_release_alone(fleet):
    """rollout.yml followed by site.yml and by clusters.yml: the csi_vg site's release is not changed."""
    run = fleet.play("rollout.yml")
    assert run.rc == 0, run
    assert fleet.release("plant-0003")["version"] == FIRST["plant_revision"], "rollout.yml upgraded a correct release"
    for playbook in ("site.yml", "clusters.yml"):
        run = fleet.play(playbook, label=playbook + " (after rollout)")
        assert run.rc == 0, run
        # a second site.yml run changes nothing, on any host
        assert run.changed() == {}, run
        release = fleet.release("plant-0003")
        assert release["version"] == FIRST["plant_revision"] and release["config"]["cleanup"] == {"enabled": False}, (
            release
        )


DROP_IN = "/etc/sysctl.d/99-zz-acstor-edge.conf"  # node_prep_sysctl_file's default


def drift(fleet, label):
    report_dir = fleet.tmp / label.replace(" ", "-")
    run = fleet.play("drift.yml", label=label, report_dir=report_dir)
    return run, json.loads((report_dir / "rollout-report.json").read_text())["drift"]


def fleet_writes(fleet):
    return len(fleet.arm.state.writes()), {name: len(server.writes()) for name, server in fleet.kube.items()}


def test_drift_names_exactly_the_hand_made_changes_and_writes_nothing(fleet):
    """Issue 16 part 2 on a real node: drift.yml on the converged fleet shows nothing; after a hand-edited sysctl
    drop-in (applied with sysctl -p), a stripe that lost its mount and an extension setting changed in the portal, it
    shows exactly those, on the sites they belong to, exits non-zero and writes nothing; site.yml repairs them."""
    clean, report = drift(fleet, "drift in sync")
    assert clean.rc == 0, clean
    assert report["summary"] == {"in_sync": sorted(CLUSTERS), "drifted": [], "unreachable": [], "failed": []}

    # By hand on the node: the Edge Volumes site's sysctl (the local-CSI-only sites want none), a stripe's mount.
    fleet.node.sh(
        "sed -i 's/^fs.inotify.max_user_instances.*/fs.inotify.max_user_instances = 256/' {0} && "
        "sysctl -q -p {0} && umount /var/lib/modelcache".format(DROP_IN)
    )
    # In the portal: the localhost token endpoint turned off on store-0042's extension.
    extension = next(e for e in fleet.arm.state.extensions.values() if e["name"] == EXTENSION)
    extension["properties"]["configurationSettings"]["ENABLE_LOCALHOST_TOKEN_ENDPOINT"] = "False"
    before = fleet_writes(fleet)
    drifted, report = drift(fleet, "drift after hand edits")
    assert drifted.rc != 0, drifted
    assert report["summary"]["drifted"] == ["plant-0003", "store-0042"], report["summary"]
    assert report["summary"]["in_sync"] == ["gpu-0007"], report["summary"]
    where = {
        site: sorted(set((change["host"], change["phase"]) for change in report["sites"][site]["changes"]))
        for site in CLUSTERS
    }
    assert where == {
        "store-0042": [("cluster", "arc_extension"), ("store-0042-n1", "prep")],
        "gpu-0007": [],
        "plant-0003": [("plant-0003-n1", "stripe")],
    }, report["sites"]
    changes = [change for site in CLUSTERS for change in report["sites"][site]["changes"]]
    for change in changes:
        text = change["what"] + " " + change.get("item", "")
        if change["phase"] == "prep":
            assert "fs.inotify.max_user_instances" in text and "max_user_watches" not in text, change
        elif change["phase"] == "stripe":
            continue  # below: the stripe's own change names it (the boot side may report its health fact too)
        else:
            assert "ENABLE_LOCALHOST_TOKEN_ENDPOINT" in text and "False" in text, change
    stripe_texts = [c["what"] + " " + c.get("item", "") for c in changes if c["phase"] == "stripe"]
    assert any("modelcache" in text for text in stripe_texts), stripe_texts
    assert fleet_writes(fleet) == before, "a drift run writes nothing to Azure or the clusters"
    assert "max_user_instances = 256" in fleet.node.sh("cat " + DROP_IN), "a drift run writes nothing on the node"
    assert fleet.node.sh("findmnt -n -o TARGET /var/lib/modelcache || true").strip() == ""

    repaired = fleet.play("site.yml", label="site.yml (repairs the drift)")
    assert repaired.rc == 0, repaired
    # the three node hosts share the VM: whichever writes the drop-in first repairs it for the other two
    assert (
        {"plant-0003-n1", "store-0042"}
        <= set(repaired.changed())
        <= {
            "store-0042-n1",
            "gpu-0007-n1",
            "plant-0003-n1",
            "store-0042",
        }
    ), repaired
    assert fleet.node.sh("findmnt -n -o TARGET /var/lib/modelcache").strip() == "/var/lib/modelcache"
    assert fleet.node.sh("sysctl -n fs.inotify.max_user_instances").strip() == "8192"


def test_clusters_alone_and_rollout_csi_tag_install_with_cleanup_off(fleet):
    """clusters.yml alone, and rollout.yml --tags csi_driver from a fresh controller, install with cleanup off."""
    for args in (("clusters.yml",), ("rollout.yml", "--tags", "csi_driver")):
        fleet.uninstall_release("plant-0003")
        run = fleet.play(*args)
        assert run.rc == 0, run
        release = fleet.release("plant-0003")
        assert release["config"]["cleanup"] == {"enabled": False}, (args, release)
        assert (
            "cleanup.enabled=false because node(s) plant-0003-n1 pre-created volume group containerstorage" in run.out
        ), run
    # --tags csi_driver touched no other phase: the extension and the volumes were not written again
    assert "acstor.edge.edge_volumes" not in run.out.split("PLAY RECAP")[0].split("Rollout cluster phases")[-1]


def test_teardown_removes_what_we_created_and_only_that(fleet):
    """converge -> teardown.yml (with the stripes) -> every object the collection created is gone, nothing else."""
    created_identity = next(i for i in fleet.arm.state.identities.values() if i["name"] == IDENTITY)
    principal = created_identity["properties"]["principalId"]
    node_files = "ls /etc/sysctl.d/99-zz-acstor-edge.conf /etc/modules-load.d/acstor-edge.conf 2>/dev/null || true"
    assert len(fleet.node.sh(node_files).split()) == 2, "the converge wrote node_prep's two files"
    everything = (
        "-e",
        confirm(),
        "-e",
        "acstor_edge_teardown_stripes=true",
        "-e",
        "acstor_edge_teardown_node_prep=true",
    )
    # --check --diff: says what it would remove, removes nothing
    run = fleet.play("teardown.yml", "--check", "--diff", *everything, label="teardown.yml --check --diff")
    assert run.rc == 0, run
    assert "/etc/modules-load.d/acstor-edge.conf" in run.out and "99-zz-acstor-edge.conf" in run.out, run
    assert len(fleet.node.sh(node_files).split()) == 2, "a check-mode teardown removed node files"
    assert fleet.release("plant-0003")["status"] == "deployed", "a check-mode teardown removed a release"
    assert fleet.node_state()["records"], "a check-mode teardown removed a stripe"
    # gpu-0007 still has a volume on the driver: its teardown fails, the other clusters are torn down anyway
    gpu = fleet.kube["gpu-0007"]
    gpu.add(local_csi_volume("pvc-in-use"))
    run = fleet.play("teardown.yml", *everything)
    assert run.rc != 0, run
    assert "teardown failed on gpu-0007: gpu-0007 (csi_driver:" in " ".join(run.out.split()), run
    assert fleet.release("gpu-0007")["status"] == "deployed", "a refused teardown removed the release"
    gpu.state.objects.pop(("", "persistentvolumes", "", "pvc-in-use"))
    run = fleet.play(
        "teardown.yml",
        "-e",
        "acstor_edge_teardown_clusters=gpu-0007",
        "-e",
        "acstor_edge_teardown_confirm=gpu-0007",
        label="teardown.yml (gpu-0007 again)",
    )
    assert run.rc == 0, run
    # Kubernetes: the driver's release, StorageClass and CSIDriver; the volumes and the configuration we applied
    for cluster in ("gpu-0007", "plant-0003"):
        kube = fleet.kube[cluster]
        assert fleet.release(cluster) is None or fleet.release(cluster)["status"] == "uninstalled"
        assert kube.find("storage.k8s.io/v1", "StorageClass", "local") is None
        assert kube.find("storage.k8s.io/v1", "CSIDriver", "localdisk.csi.acstor.io") is None
        assert kube.find("apps/v1", "DaemonSet", "csi-local-node", "kube-system") is None
    store = fleet.kube["store-0042"]
    assert edge_configuration(fleet) is None
    assert store.find("v1", "PersistentVolumeClaim", "telemetry", "factory") is None
    assert store.find("v1", "ConfigMap", "not-ours", "default") is not None, (
        "teardown touched an object it did not create"
    )
    # local-CSI-only clusters never touched Edge Volumes or Azure
    assert not [w for w in fleet.kube["plant-0003"].writes() if "arccontainerstorage" in w.get("path", "")]
    # Azure: the extension, the identity and its federated credentials, its role assignments; not the others
    after = azure_objects(fleet.arm)
    assert after == FIRST["foreign"], after
    assert not [a for a in fleet.arm.state.role_assignments.values() if a["properties"]["principalId"] == principal]
    # the node: no stripe left, so the hand-off fact file and the boot unit are removed (nvme_stripe_boot state absent)
    node = fleet.node_state()
    assert node["records"] == {} and node["fact"] is None and node["unit"] != "enabled", node
    assert not [vg for vg in node["vgs"] if "local-csi" in vg], node
    # node_prep state absent on the torn-down clusters' nodes: our drop-in and modules-load.d file are gone
    assert fleet.node.sh(node_files).split() == [], "teardown left node_prep's files"


def test_second_converge_matches_the_first(fleet):
    run = fleet.play("site.yml", label="site.yml (converge 2)")
    assert run.rc == 0, run
    assert snapshot(fleet) == FIRST["snapshot"]
