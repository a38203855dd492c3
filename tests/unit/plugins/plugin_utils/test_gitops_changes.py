# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
import copy
import json
from pathlib import Path

import pytest

from ansible_collections.acstor.edge.plugins.plugin_utils.gitops_changes import (
    WebhookPayloadError,
    inventory_changes,
    parse_push_payload,
    rollout_targets,
    select_clusters,
)

FIXTURES = Path(__file__).resolve().parents[3] / "unit" / "fixtures" / "gitops"
INVENTORY_DIRS = ["inventories/prod"]
# Cluster -> its own groups and its nodes' groups, as the rollout play builds it from the inventory.
CLUSTERS = {
    "berlin": {"groups": ["edge_clusters", "site_berlin"], "nodes": {"berlin-node1": ["edge_nodes", "site_berlin"]}},
    "muenchen": {"groups": ["edge_clusters", "site_muenchen"], "nodes": {"muc-node1": ["edge_nodes", "site_muenchen"]}},
    "hamburg": {
        "groups": ["edge_clusters", "site_hamburg"],
        "nodes": {"hh-gpu1": ["edge_nodes", "site_hamburg", "gpu"]},
    },
    "paris": {
        "groups": ["edge_clusters", "site_paris"],
        "nodes": {"paris-node1": ["edge_nodes", "site_paris"], "paris-node2": ["edge_nodes", "site_paris"]},
    },
    "lyon": {"groups": ["edge_clusters", "site_lyon"], "nodes": {}},
}


def load(name):
    return json.loads((FIXTURES / name).read_text())


def test_github_push_paths_branch_and_provider():
    event = parse_push_payload(load("github_push.json"))
    assert event.provider == "github"
    assert event.branch == "main"
    assert not event.truncated and not event.branch_deleted
    assert event.paths == sorted(
        [
            "inventories/prod/host_vars/berlin-node1.yml",
            "inventories/prod/group_vars/site_muenchen.yml",
            "inventories/prod/group_vars/site_munich.yml",
            "docs/fleet.md",
        ]
    )


def test_github_rename_selects_the_new_group_and_reports_the_old_one():
    result = rollout_targets(load("github_push.json"), INVENTORY_DIRS, CLUSTERS)
    # berlin through its node's host_vars, muenchen through the renamed group file; munich no longer exists.
    assert result["clusters"] == ["berlin", "muenchen"]
    assert result["changes"]["unknown_groups"] == ["site_munich"]
    assert result["changes"]["ignored_paths"] == ["docs/fleet.md"]


def test_gitlab_deletion_and_rename_of_host_vars():
    result = rollout_targets(load("gitlab_push.json"), INVENTORY_DIRS, CLUSTERS)
    assert result["event"]["provider"] == "gitlab"
    # Deleting group_vars/site_hamburg/gpu.yml still rolls out hamburg (its settings went away);
    # paris-node-2 -> paris-node2 selects paris through the new host name.
    assert result["clusters"] == ["hamburg", "paris"]
    assert result["changes"]["unknown_hosts"] == ["paris-node-2"]
    assert "roles/README.md" in result["changes"]["ignored_paths"]


def test_gitlab_truncated_commit_list_rolls_out_everything():
    payload = load("gitlab_push.json")
    payload["total_commits_count"] = 25
    result = rollout_targets(payload, INVENTORY_DIRS, CLUSTERS)
    assert result["clusters"] == list(CLUSTERS)
    assert "does not list every changed file" in result["reason"]


def test_group_all_and_inventory_source_mean_everything():
    changes = inventory_changes(["inventories/prod/group_vars/all/rollout.yml"], INVENTORY_DIRS)
    assert changes["everything"]
    changes = inventory_changes(["inventories/prod/hosts.yml"], INVENTORY_DIRS)
    assert changes["everything"] and changes["everything_because"] == ["inventories/prod/hosts.yml"]
    assert select_clusters(changes, CLUSTERS)["clusters"] == list(CLUSTERS)


def test_files_outside_the_inventory_or_readmes_select_nothing():
    changes = inventory_changes(
        ["playbooks/rollout.yml", "inventories/prod/README.md", "inventories/staging/group_vars/site_lyon.yml"],
        INVENTORY_DIRS,
    )
    assert not changes["everything"] and changes["groups"] == [] and changes["hosts"] == []
    result = select_clusters(changes, CLUSTERS)
    assert result["clusters"] == []


def test_cluster_host_vars_directory_and_json_suffix():
    changes = inventory_changes(
        ["inventories/prod/host_vars/lyon/arc.yml", "inventories/prod/group_vars/gpu.json"], INVENTORY_DIRS
    )
    assert changes["hosts"] == ["lyon"] and changes["groups"] == ["gpu"]
    assert select_clusters(changes, CLUSTERS)["clusters"] == ["hamburg", "lyon"]


def test_a_parent_inventory_directory_covers_every_environment():
    changes = inventory_changes(
        ["inventories/prod/group_vars/site_lyon.yml", "inventories/README.md", "inventories/staging/hosts.yml"],
        ["inventories"],
    )
    assert changes["groups"] == ["site_lyon"]
    assert changes["everything_because"] == ["inventories/staging/hosts.yml"]
    assert changes["ignored_paths"] == ["inventories/README.md"]


def test_no_payload_means_every_requested_cluster():
    assert rollout_targets(None, INVENTORY_DIRS, CLUSTERS)["clusters"] == list(CLUSTERS)
    assert rollout_targets({}, INVENTORY_DIRS, CLUSTERS)["clusters"] == list(CLUSTERS)


def test_branch_filter_and_branch_deletion():
    payload = load("github_push.json")
    assert rollout_targets(payload, INVENTORY_DIRS, CLUSTERS, branches=["release"])["clusters"] == []
    deleted = copy.deepcopy(payload)
    deleted.update(deleted=True, after="0" * 40, commits=[], head_commit=None)
    result = rollout_targets(deleted, INVENTORY_DIRS, CLUSTERS)
    assert result["clusters"] == [] and "deleted" in result["reason"]


def test_github_head_commit_used_when_commits_are_absent():
    payload = load("github_push.json")
    payload["commits"] = []
    event = parse_push_payload(payload)
    assert "inventories/prod/group_vars/site_muenchen.yml" in event.paths
    assert "inventories/prod/host_vars/berlin-node1.yml" not in event.paths


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"object_kind": "merge_request"}, "GitLab 'merge_request' event"),
        ({"action": "opened", "pull_request": {}}, "not a GitHub or GitLab push"),
        ("refs/heads/main", "must be an object"),
        ({"ref": "refs/heads/main", "commits": {"a": 1}}, "commits is not a list"),
        ({"ref": "refs/heads/main", "commits": [{"added": "x.yml"}]}, "commits[0].added is not a list"),
    ],
)
def test_bad_payloads_are_named(payload, message):
    with pytest.raises(WebhookPayloadError, match=None) as excinfo:
        parse_push_payload(payload)
    assert message in str(excinfo.value)
