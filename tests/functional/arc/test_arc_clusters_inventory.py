"""acstor.edge.arc_clusters through real ansible-inventory against the ARM test server (paging, groups, hostvars)."""

import json
import subprocess

from arm_server import OTHER_SUBSCRIPTION, SUBSCRIPTION  # tests/servers is put on sys.path by the arc conftest


def plain(value):
    """ansible-inventory --output keeps unsafe markers ({'__ansible_unsafe': x}); unwrap them."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def run_inventory(playbook, tmp_path, config, **env):
    source = tmp_path / "fleet.arc_clusters.yml"
    source.write_text(config)
    output = tmp_path / "inventory.json"
    output.unlink(missing_ok=True)
    process = subprocess.run(
        ["ansible-inventory", "-i", str(source), "--list", "-vvv", "--output", str(output)],
        env=playbook.env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    process.inventory = plain(json.loads(output.read_text())) if output.exists() else None
    return process


def test_inventory_pages_groups_and_hostvars(arm_server, playbook, tmp_path):
    state = arm_server.state
    for index in range(5):  # page size 2 → three pages in the subscription listing
        state.add_cluster(
            SUBSCRIPTION,
            "rg-edge-eu" if index % 2 else "rg-edge-us",
            "store-{0:04d}".format(index),
            location="westeurope" if index % 2 else "eastus",
            tags={"ring": "canary" if index == 0 else "broad"},
            connectivity="Offline" if index == 4 else "Connected",
            oidc_issuer="https://oidc.example/{0}".format(index) if index == 1 else None,
        )
    state.add_cluster(
        OTHER_SUBSCRIPTION, "rg-edge-us", "store-0100", location="eastus", distribution="aks_edge_essentials"
    )
    config = """plugin: acstor.edge.arc_clusters
subscription_ids: [{0}, {1}]
keyed_groups:
  - key: arc_tags.ring
    prefix: ring
groups:
  edge_clusters: true
""".format(SUBSCRIPTION, OTHER_SUBSCRIPTION)
    process = run_inventory(playbook, tmp_path, config)
    assert process.returncode == 0, process.stderr
    inventory = process.inventory
    hostvars = inventory["_meta"]["hostvars"]
    assert sorted(hostvars) == ["store-0000", "store-0001", "store-0002", "store-0003", "store-0004", "store-0100"]
    one = hostvars["store-0001"]
    assert one["ansible_connection"] == "local"
    assert one["arc_resource_group"] == "rg-edge-eu" and one["arc_subscription_id"] == SUBSCRIPTION
    assert one["arc_kubernetes_version"] == "1.30.4" and one["arc_agent_version"] == "1.21.10"
    assert one["arc_oidc_issuer_url"] == "https://oidc.example/1"
    assert one["arc_tags"] == {"ring": "broad"}
    assert sorted(inventory["location_westeurope"]["hosts"]) == ["store-0001", "store-0003"]
    assert sorted(inventory["resource_group_rg_edge_eu"]["hosts"]) == ["store-0001", "store-0003"]
    assert inventory["tag_ring_canary"]["hosts"] == ["store-0000"]
    assert inventory["ring_canary"]["hosts"] == ["store-0000"]
    assert inventory["connectivity_offline"]["hosts"] == ["store-0004"]
    assert inventory["distribution_aks_edge_essentials"]["hosts"] == ["store-0100"]
    # docs/awx.md's advice: `groups: {edge_clusters: true}` puts every cluster where the entry playbooks look
    assert sorted(inventory["edge_clusters"]["hosts"]) == sorted(hostvars)
    list_calls = [r for r in state.requests if r["path"].endswith("/connectedClusters") and r["method"] == "GET"]
    assert len(list_calls) == 3 + 1  # three pages for the first subscription, one for the second
    assert state.violations == []
    assert state.client_secret not in process.stdout + process.stderr


def test_inventory_resource_group_filter_and_errors(arm_server, playbook, tmp_path):
    arm_server.state.add_cluster(SUBSCRIPTION, "rg-a", "a1")
    arm_server.state.add_cluster(SUBSCRIPTION, "rg-b", "b1")
    process = run_inventory(playbook, tmp_path, "plugin: acstor.edge.arc_clusters\nresource_groups: [rg-b]\n")
    assert process.returncode == 0, process.stderr
    assert sorted(process.inventory["_meta"]["hostvars"]) == ["b1"]
    # without `groups: {edge_clusters: true}` the clusters are in arc_clusters only (docs/awx.md says so)
    assert process.inventory["arc_clusters"]["hosts"] == ["b1"]
    assert "b1" not in process.inventory.get("edge_clusters", {}).get("hosts", [])

    process = run_inventory(
        playbook,
        tmp_path,
        "plugin: acstor.edge.arc_clusters\nsubscription_ids: [00000000-0000-0000-0000-00000000dead]\n",
    )
    output = process.stdout + process.stderr
    assert "SubscriptionNotFound" in output and "correlation id" in output, output

    requests = len(arm_server.state.requests)
    process = run_inventory(
        playbook,
        tmp_path,
        "plugin: acstor.edge.arc_clusters\nsubscription_ids: [no-such-sub]\nresource_groups: ['rg-b.']\n",
    )
    output = process.stdout + process.stderr
    assert "subscription_ids[0]: 'no-such-sub' is not a GUID" in output, output
    assert "resource_groups[0]: 'rg-b.' is invalid" in output, output
    assert len(arm_server.state.requests) == requests  # refused before the first request
