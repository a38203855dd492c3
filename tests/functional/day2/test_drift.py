"""playbooks/drift.yml against the ARM and Kubernetes test servers: a fleet in sync shows nothing and exits 0; an
extension setting changed "in the portal" (the ARM test server's state edited) and a volume edited in the cluster
(the Kubernetes test double's object edited) show exactly those changes on exactly those sites, the run exits
non-zero, and a drift run writes nothing anywhere.

Node-side drift (a hand-edited sysctl drop-in, a stripe that lost its mount) needs a lab VM: the entry-playbook suite
covers it (tests/functional/e2e/test_entry_playbooks.py, test_drift_names_exactly_the_hand_made_changes...).
"""

EXT_PHASES = ["arc_extension", "edge_volumes"]
VOLUME = {"name": "cache", "kind": "local_shared", "size": "2Gi"}
CLUSTERS = {
    "ext-site": {
        "phases": EXT_PHASES,
        "vars": {"arc_extension_localhost_token_endpoint": True, "edge_volumes_list": [VOLUME]},
    },
    "vol-site": {"phases": EXT_PHASES, "vars": {"edge_volumes_list": [VOLUME]}},
    "csi-site": {"phases": ["csi_driver"]},
}
EXTENSION_ID = (
    "/subscriptions/{sub}/resourcegroups/rg-edge/providers/microsoft.kubernetes/connectedclusters/ext-site/"
    "providers/microsoft.kubernetesconfiguration/extensions/azure-arc-containerstorage"
)


def test_drift_in_sync_then_portal_and_cluster_edits(day2_fleet):
    fleet = day2_fleet(CLUSTERS)
    converge = fleet.play("clusters.yml", "-e", "acstor_edge_cluster_serial=3")
    assert converge.rc == 0, converge

    before = fleet.writes()
    clean = fleet.play("drift.yml")
    assert clean.rc == 0, clean
    drift = clean.report["drift"]
    assert drift["summary"] == {"in_sync": sorted(CLUSTERS), "drifted": [], "unreachable": [], "failed": []}
    assert all(site["changes"] == [] for site in drift["sites"].values()), drift
    assert clean.stats["acstor_edge_drift"]["summary"] == drift["summary"]
    assert "Sites in sync: 3. Drifted: 0." in clean.markdown
    assert fleet.writes() == before, "a drift run writes nothing"

    # "In the portal": someone turns the localhost token endpoint off on ext-site's extension.
    from arm_server import SUBSCRIPTION  # pylint: disable=import-outside-toplevel

    extension = fleet.arm.state.extensions[EXTENSION_ID.format(sub=SUBSCRIPTION).lower()]
    extension["properties"]["configurationSettings"]["ENABLE_LOCALHOST_TOKEN_ENDPOINT"] = "False"
    # In the cluster: someone changes vol-site's claim by hand.
    state = fleet.kube["vol-site"].state
    with state.lock:
        claim = state.objects[state._key(state.resource_for_kind("v1", "PersistentVolumeClaim"), "default", "cache")]  # pylint: disable=protected-access
        claim["spec"]["resources"]["requests"]["storage"] = "5Gi"

    before = fleet.writes()
    drifted = fleet.play("drift.yml")
    assert drifted.rc == 2, drifted
    drift = drifted.report["drift"]
    assert drift["summary"] == {
        "in_sync": ["csi-site"],
        "drifted": ["ext-site", "vol-site"],
        "unreachable": [],
        "failed": [],
    }
    ext_changes = drift["sites"]["ext-site"]["changes"]
    assert [(c["host"], c["phase"]) for c in ext_changes] == [("cluster", "arc_extension")], ext_changes
    assert "ENABLE_LOCALHOST_TOKEN_ENDPOINT" in ext_changes[0]["what"] and "False" in ext_changes[0]["what"], (
        ext_changes
    )
    vol_changes = drift["sites"]["vol-site"]["changes"]
    assert [(c["host"], c["phase"], c.get("item")) for c in vol_changes] == [
        ("cluster", "edge_volumes", "default/cache")
    ], vol_changes
    assert vol_changes[0]["what"] == "spec.resources.requests.storage: 5Gi -> 2Gi", vol_changes
    assert drifted.stats["acstor_edge_drift"]["summary"]["drifted"] == ["ext-site", "vol-site"]
    assert "drift: not in sync: ext-site, vol-site" in " ".join(drifted.out.split())
    assert "- **ext-site**: drifted" in drifted.markdown and "- **vol-site**: drifted" in drifted.markdown
    assert fleet.writes() == before, "a drift run writes nothing"
    print(
        "seconds: converge %s, drift in sync %s, drift with drift %s"
        % (converge.seconds, clean.seconds, drifted.seconds)
    )
