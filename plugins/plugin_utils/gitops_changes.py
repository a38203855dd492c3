# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a Git push webhook payload (as AWX passes it in awx_webhook_payload) to the clusters to roll out.

Three pure steps:
  parse_push_payload  GitHub or GitLab push JSON -> PushEvent (branch, changed paths, completeness)
  inventory_changes   changed paths -> the inventory groups and hosts whose variables changed
  select_clusters     those groups/hosts -> the edge clusters whose own or whose nodes' variables changed

A rename shows up in both providers' push payloads as the old path removed and the new one added, so
both names count; a deleted group_vars file still selects its group's clusters (settings went away).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

ZERO_SHA = "0" * 40
_VARS_SUFFIXES = (".yml", ".yaml", ".json")
_INVENTORY_SOURCE_SUFFIXES = _VARS_SUFFIXES + (".ini", ".sh", ".py", ".cfg")


class WebhookPayloadError(ValueError):
    """The payload is not a push event from a supported provider."""


@dataclass
class PushEvent:
    provider: str
    ref: str
    after: str
    paths: list = field(default_factory=list)
    # The payload lists only some of the pushed commits, so changed paths may be missing.
    truncated: bool = False
    branch_deleted: bool = False

    @property
    def branch(self):
        return self.ref[len("refs/heads/") :] if self.ref.startswith("refs/heads/") else self.ref


def _commit_paths(commits, where):
    paths = []
    for index, commit in enumerate(commits):
        if not isinstance(commit, dict):
            raise WebhookPayloadError("%s commits[%d] is not an object" % (where, index))
        for key in ("added", "modified", "removed"):
            value = commit.get(key) or []
            if not isinstance(value, list):
                raise WebhookPayloadError("%s commits[%d].%s is not a list" % (where, index, key))
            paths.extend(str(p) for p in value)
    return paths


def parse_push_payload(payload):
    """Parse a GitHub or GitLab push payload into a PushEvent."""
    if not isinstance(payload, dict):
        raise WebhookPayloadError("awx_webhook_payload must be an object, got %s" % type(payload).__name__)
    if "object_kind" in payload:
        if payload.get("object_kind") != "push":
            raise WebhookPayloadError(
                "awx_webhook_payload is a GitLab %r event; only push events start a rollout"
                % payload.get("object_kind")
            )
        provider = "gitlab"
    elif "commits" in payload and "ref" in payload:
        provider = "github"
    else:
        raise WebhookPayloadError(
            "awx_webhook_payload is not a GitHub or GitLab push event (no ref/commits; pull request and tag "
            "events are not rollout triggers)"
        )
    ref = str(payload.get("ref") or "")
    after = str(payload.get("after") or payload.get("checkout_sha") or "")
    commits = payload.get("commits") or []
    if not isinstance(commits, list):
        raise WebhookPayloadError("awx_webhook_payload.commits is not a list")
    if provider == "github" and not commits and isinstance(payload.get("head_commit"), dict):
        commits = [payload["head_commit"]]
    paths = _commit_paths(commits, "awx_webhook_payload")
    truncated = False
    if provider == "gitlab":
        # GitLab lists at most 20 commits and gives the real count in total_commits_count.
        total = payload.get("total_commits_count")
        truncated = isinstance(total, int) and total > len(commits)
    branch_deleted = bool(payload.get("deleted")) or after == ZERO_SHA
    if not commits and not branch_deleted:
        # A push without commit details (a forced push to an existing commit, for example): nothing to map.
        truncated = True
    return PushEvent(
        provider=provider,
        ref=ref,
        after=after,
        paths=sorted(set(paths)),
        truncated=truncated,
        branch_deleted=branch_deleted,
    )


def _strip_vars_suffix(name):
    for suffix in _VARS_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def inventory_changes(paths, inventory_dirs):
    """Map changed repository paths to inventory groups and hosts.

    inventory_dirs: repository-relative inventory directories ("inventories/prod"). A change under
    group_vars/<group>[.yml|/...] names the group, host_vars/<host>[.yml|/...] the host; group "all" and
    an inventory source directly in the directory (hosts.yml, a script) mean every cluster; other files
    (READMEs, files outside the inventory directories) are ignored and listed.
    """
    dirs = [posixpath.normpath(d.strip("/")) for d in inventory_dirs]
    groups, hosts, ignored = set(), set(), []
    everything_because = []
    for raw in paths:
        path = posixpath.normpath(str(raw).lstrip("/"))
        owner = next((d for d in dirs if path.startswith(d + "/")), None)
        if owner is None:
            ignored.append(path)
            continue
        parts = path[len(owner) + 1 :].split("/")
        # inventories/<env>/group_vars/<group>.yml and inventories/group_vars/<group>/x.yml alike.
        where = next((i for i, part in enumerate(parts[:-1]) if part in ("group_vars", "host_vars")), None)
        if where is not None:
            kind, rest = parts[where], parts[where + 1 :]
            name = rest[0] if len(rest) > 1 else _strip_vars_suffix(rest[0])
            if kind == "host_vars":
                hosts.add(name)
            elif name == "all":
                everything_because.append(path)
            else:
                groups.add(name)
        elif parts[-1].endswith(_INVENTORY_SOURCE_SUFFIXES) or "." not in parts[-1]:
            # The host list itself (hosts.yml, an inventory script or plugin config) changed.
            everything_because.append(path)
        else:
            ignored.append(path)
    return {
        "groups": sorted(groups),
        "hosts": sorted(hosts),
        "everything": bool(everything_because),
        "everything_because": sorted(everything_because),
        "ignored_paths": sorted(ignored),
    }


def select_clusters(changes, clusters):
    """Clusters to roll out for the given inventory changes.

    clusters: {cluster: {"groups": [...], "nodes": {node: [groups...]}}} in rollout order.
    Returns {"clusters": [...], "unknown_hosts": [...], "unknown_groups": [...]}; a host or group that
    is no longer in the inventory (a renamed or deleted file) selects nothing and is listed.
    """
    known_hosts, known_groups = set(), set()
    for cluster, info in clusters.items():
        known_hosts.add(cluster)
        known_groups.update(info.get("groups", []))
        for node, node_groups in (info.get("nodes") or {}).items():
            known_hosts.add(node)
            known_groups.update(node_groups)
    hosts, groups = set(changes.get("hosts", [])), set(changes.get("groups", []))
    if changes.get("everything"):
        selected = list(clusters)
    else:
        selected = []
        for cluster, info in clusters.items():
            members = {cluster: info.get("groups", [])}
            members.update(info.get("nodes") or {})
            if any(host in hosts or groups.intersection(member_groups) for host, member_groups in members.items()):
                selected.append(cluster)
    return {
        "clusters": selected,
        "unknown_hosts": sorted(hosts - known_hosts),
        "unknown_groups": sorted(groups - known_groups),
    }


def rollout_targets(payload, inventory_dirs, clusters, branches=()):
    """The whole mapping: payload -> {clusters, reason, event, changes}; payload None means every cluster."""
    if payload is None or payload == {} or payload == "":
        return {
            "clusters": list(clusters),
            "reason": "no webhook payload: every requested cluster",
            "event": None,
            "changes": None,
        }
    event = parse_push_payload(payload)
    summary = {
        "provider": event.provider,
        "ref": event.ref,
        "branch": event.branch,
        "after": event.after,
        "paths": event.paths,
        "truncated": event.truncated,
    }
    if branches and event.branch not in branches:
        return {
            "clusters": [],
            "reason": "push to %s, not one of the rollout branches %s" % (event.branch, list(branches)),
            "event": summary,
            "changes": None,
        }
    if event.branch_deleted:
        return {
            "clusters": [],
            "reason": "branch %s was deleted: nothing to roll out" % event.branch,
            "event": summary,
            "changes": None,
        }
    if event.truncated:
        return {
            "clusters": list(clusters),
            "reason": "the %s payload does not list every changed file: every cluster" % event.provider,
            "event": summary,
            "changes": None,
        }
    changes = inventory_changes(event.paths, inventory_dirs)
    selection = select_clusters(changes, clusters)
    changes.update(unknown_hosts=selection["unknown_hosts"], unknown_groups=selection["unknown_groups"])
    if changes["everything"]:
        reason = "inventory-wide change (%s): every cluster" % ", ".join(changes["everything_because"])
    elif selection["clusters"]:
        reason = "variables changed for %s" % ", ".join(changes["groups"] + changes["hosts"])
    else:
        reason = "no inventory variables of any cluster changed"
    return {"clusters": selection["clusters"], "reason": reason, "event": summary, "changes": changes}
