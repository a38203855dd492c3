"""acstor.edge.edge_volumes through ansible-playbook and kubernetes.core against the Kubernetes API test double."""

from acstor_testlib import running_pod
from cluster_examples import CLOUD_VOLUME, ENDPOINT, INGEST, LOCAL_VOLUME, MIRROR

API = "arccontainerstorage.azure.net/v1"
# the shared valid list, its ingest subvolume with the ingest and eviction settings a rerun must leave alone
VOLUMES = [
    dict(
        CLOUD_VOLUME,
        subvolumes=[
            dict(
                INGEST,
                ingest_order="oldest-first",
                ingest_min_delay_sec=60,
                eviction_order="unordered",
                eviction_min_delay_sec=300,
            ),
            MIRROR,
        ],
    ),
    LOCAL_VOLUME,
]
FAST = {"edge_volumes_wait_sleep": 1, "edge_volumes_wait_timeout": 30}


def writes(server):
    return [(w["method"], w["kind"], w["name"]) for w in server.writes()]


def test_converge_rerun_change_and_teardown(cluster):
    c = cluster(edge_api="current")
    run = c.play("edge_volumes", edge_volumes_list=VOLUMES, **FAST)
    assert run.rc == 0 and run.changed > 0, run
    kinds = [w[1] for w in writes(c.server)]
    # configuration -> local shared PVC -> cloud PVC -> subvolumes
    assert kinds == [
        "EdgeStorageConfiguration",
        "PersistentVolumeClaim",
        "PersistentVolumeClaim",
        "IngestSubvolume",
        "MirrorSubvolume",
    ], kinds
    assert [w["name"] for w in c.server.writes() if w["kind"] == "PersistentVolumeClaim"] == [None, None]
    assert (
        c.server.find("v1", "PersistentVolumeClaim", "scratch", "default")["spec"]["storageClassName"] == "unbacked-sc"
    )
    ingest = c.server.find(API, "IngestSubvolume", "camera-ingest", "default")
    assert ingest["spec"]["ingest"] == {"order": "oldest-first", "minDelaySec": 60}
    assert ingest["spec"]["edgevolume"] == "camera"

    before = len(c.server.writes())
    rerun = c.play("edge_volumes", edge_volumes_list=VOLUMES, **FAST)
    assert rerun.rc == 0 and rerun.changed == 0, rerun
    assert [w for w in c.server.writes()[before:] if w["kind"] != "PersistentVolumeClaim"] == []

    changed = [
        dict(
            VOLUMES[0],
            subvolumes=[dict(VOLUMES[0]["subvolumes"][0], ingest_min_delay_sec=120), VOLUMES[0]["subvolumes"][1]],
        ),
        VOLUMES[1],
    ]
    run = c.play("edge_volumes", edge_volumes_list=changed, **FAST)
    assert run.rc == 0 and run.changed == 1, run
    assert c.server.find(API, "IngestSubvolume", "camera-ingest", "default")["spec"]["ingest"]["minDelaySec"] == 120

    # Teardown in check mode with diff: the whole documented order is shown (the configuration last, although the
    # subvolumes the earlier tasks would remove are still there), and nothing is written.
    before = len(c.server.writes())
    run = c.play("edge_volumes", check=True, edge_volumes_list=changed, edge_volumes_state="absent", **FAST)
    assert run.rc == 0, run
    removal = run.out.split("Remove the EdgeStorageConfiguration]", 1)[-1].split("TASK [", 1)[0]
    assert "changed: [c1]" in removal, run
    assert c.server.writes()[before:] == []

    # A running pod mounts the cloud PVC: teardown refuses before deleting anything.
    c.server.add(running_pod("writer", "camera"))
    before = len(c.server.writes())
    run = c.play("edge_volumes", edge_volumes_list=changed, edge_volumes_state="absent", **FAST)
    assert run.rc != 0 and "PVC is mounted by running pod(s) writer" in run.out, run
    assert [w for w in c.server.writes()[before:] if w["method"] == "DELETE"] == []

    # Listing the workload lets the documented order run: workloads -> PVCs -> subvolumes -> configuration.
    before = len(c.server.writes())
    run = c.play(
        "edge_volumes",
        edge_volumes_list=changed,
        edge_volumes_state="absent",
        edge_volumes_teardown_workloads=[{"api_version": "v1", "kind": "Pod", "name": "writer"}],
        **FAST,
    )
    assert run.rc == 0, run
    deletes = [(w[1], w[2]) for w in writes(c.server)[before:] if w[0] == "DELETE"]
    assert deletes == [
        ("Pod", "writer"),
        ("PersistentVolumeClaim", "camera"),
        ("PersistentVolumeClaim", "scratch"),
        ("IngestSubvolume", "camera-ingest"),
        ("MirrorSubvolume", "models"),
        ("EdgeStorageConfiguration", "edge-storage-configuration"),
    ], deletes


def test_invalid_list_writes_nothing_and_names_volume_and_field(cluster):
    c = cluster(edge_api="current")
    bad = [
        VOLUMES[1],
        dict(VOLUMES[0], subvolumes=[dict(VOLUMES[0]["subvolumes"][0], path="/ingest", ingest_min_delay_sec=99999999)]),
        {"name": "Bad_Name", "size": "1Gi"},
    ]
    run = c.play("edge_volumes", edge_volumes_list=bad, **FAST)
    assert run.rc != 0
    for fragment in (
        "edge_volumes_list[1].subvolumes[0].path: '/ingest' must not start with a slash",
        "edge_volumes_list[1].subvolumes[0].ingest_min_delay_sec: must be between 0 and 31536000",
        "edge_volumes_list[2].name: 'Bad_Name' is invalid: a DNS-1123 subdomain",
    ):
        assert fragment in run.out, run
    assert c.server.writes() == []


def test_legacy_kinds_and_missing_mirror_support(cluster):
    c = cluster(edge_api="legacy")
    ingest_only = [dict(VOLUMES[0], subvolumes=[VOLUMES[0]["subvolumes"][0]])]
    run = c.play("edge_volumes", edge_volumes_list=ingest_only, **FAST)
    assert run.rc == 0, run
    legacy = c.server.find(API, "EdgeSubvolume", "camera-ingest", "default")
    assert legacy["spec"]["subvolumeType"] == "INGEST" and legacy["spec"]["ingestPolicy"] == "camera-ingest-policy"
    assert (
        c.server.find(API, "EdgeIngestPolicy", "camera-ingest-policy", "default")["spec"]["eviction"]["minDelaySec"]
        == 300
    )
    assert c.play("edge_volumes", edge_volumes_list=ingest_only, **FAST).changed == 0

    before = len(c.server.writes())
    run = c.play("edge_volumes", edge_volumes_list=VOLUMES, **FAST)
    assert run.rc != 0 and "mirror needs the MirrorSubvolume kind" in run.out, run
    assert c.server.writes()[before:] == []


def test_version_switch_between_legacy_and_current_kinds(cluster):
    c = cluster(edge_api="both")
    ingest_only = [dict(VOLUMES[0], subvolumes=[VOLUMES[0]["subvolumes"][0]])]
    assert c.play("edge_volumes", edge_volumes_list=ingest_only, edge_volumes_extension_version="2.7.1", **FAST).rc == 0
    assert c.server.find(API, "EdgeSubvolume", "camera-ingest", "default") is not None
    assert c.server.find(API, "IngestSubvolume", "camera-ingest", "default") is None
    run = c.play("edge_volumes", edge_volumes_list=ingest_only, edge_volumes_extension_version="2.8.2", **FAST)
    assert run.rc == 0 and run.changed == 1, run
    assert (
        c.server.find(API, "IngestSubvolume", "camera-ingest", "default")["spec"]["storageAccountEndpoint"] == ENDPOINT
    )
    run = c.play("edge_volumes", edge_volumes_list=ingest_only, edge_volumes_api="legacy", **FAST)
    assert run.rc == 0 and run.changed == 0, run


def test_missing_crds_say_the_extension_is_not_installed(cluster):
    c = cluster(edge_api="none")
    run = c.play("edge_volumes", edge_volumes_list=VOLUMES, **FAST)
    assert (
        run.rc != 0 and "extension (microsoft.arc.containerstorage) is not installed, or not yet configured" in run.out
    ), run
    assert c.server.writes() == []


def test_extension_owned_configuration_is_not_recreated(cluster):
    c = cluster(edge_api="current")
    c.server.add(
        {
            "apiVersion": API,
            "kind": "EdgeStorageConfiguration",
            "metadata": {
                "name": "edge-storage-configuration",
                "annotations": {
                    "meta.helm.sh/release-name": "azure-arc-containerstorage",
                    "meta.helm.sh/release-namespace": "azure-arc-containerstorage",
                },
            },
            "spec": {"defaultDiskStorageClasses": ["default", "local-path"]},
        }
    )
    run = c.play("edge_volumes", edge_volumes_list=[VOLUMES[1]], edge_volumes_configuration_owner="extension", **FAST)
    assert run.rc == 0 and run.changed == 1, run  # only the PVC
    assert [w["kind"] for w in c.server.writes()] == ["PersistentVolumeClaim"]


def test_skips_without_kubernetes_access(cluster):
    c = cluster(edge_api="current")
    run = c.play("edge_volumes", access=False, edge_volumes_list=VOLUMES)
    assert run.rc == 0 and run.changed == 0
    lines = [line for line in run.out.splitlines() if "SKIP acstor.edge.edge_volumes" in line]
    assert len(lines) == 1 and "edge_volumes_k8s_auth.kubeconfig" in lines[0], run
    assert c.server.requests == []
