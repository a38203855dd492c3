# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet inventory model and its validation.

Edge nodes are hosts in group edge_nodes and name their cluster in acstor_edge_cluster; every cluster is
one host in group edge_clusters. validate_inventory() looks only at inventory data (no facts, no
connections) and returns every problem at once, so one run shows the whole list.
"""

from __future__ import annotations

import re

from ansible_collections.acstor.edge.plugins.module_utils.rollout_plan import RolloutPolicyError, parse_serial

KNOWN_PRODUCTS = ("edge_volumes", "local_csi")
NODE_PHASES = ("preflight", "prep", "stripe")
CLUSTER_PHASES = ("csi_driver", "arc_extension", "edge_volumes")
# Cluster host names become Helm/Kubernetes-facing labels and file names in reports: RFC 1123 labels.
_CLUSTER_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_STRIPE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_BY_ID = "/dev/disk/by-id/"


def _device_key(ref):
    """A comparable key for one device reference: a path, a by-id name or a serial."""
    text = str(ref).strip()
    if text.startswith(_BY_ID):
        return "by-id:" + text[len(_BY_ID):]
    if text.startswith("/dev/"):
        return "path:" + text
    return "serial:" + text.lower()


def _check_list_of(value, kind, label, errors):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
        errors.append("%s must be a list of %s, got %r" % (label, "objects" if kind is dict else "strings", value))
        return []
    return value


def _check_stripes(node, stripes, errors):
    stripes = _check_list_of(stripes, dict, "%s: nvme_stripe_list" % node, errors)
    seen_names = set()
    claims = {}
    for index, stripe in enumerate(stripes):
        name = stripe.get("name")
        label = "%s: nvme_stripe_list[%d]" % (node, index)
        if not name:
            errors.append("%s has no name" % label)
            continue
        label = "%s: stripe %s" % (node, name)
        if not _STRIPE_NAME.match(str(name)):
            errors.append("%s: name must be 1-32 letters, digits, '.', '_' or '-'" % label)
        if name in seen_names:
            errors.append("%s is listed twice" % label)
        seen_names.add(name)
        if stripe.get("state", "present") == "absent":
            continue
        devices = stripe.get("devices")
        if devices is None and stripe.get("selector") is None:
            errors.append("%s needs devices (paths, by-id names or serials) or a selector" % label)
        for ref in _check_list_of(devices, str, label + " devices", errors):
            key = _device_key(ref)
            if key in claims and claims[key] != name:
                errors.append("%s: device %s is already claimed by stripe %s" % (node, ref, claims[key]))
            claims.setdefault(key, name)


def validate_inventory(nodes, clusters, rollout=None):
    """Every inventory error and warning, as {"errors": [...], "warnings": [...]}.

    nodes: {host: {"cluster", "products", "stripes", "phases", "in_clusters_group"}}
    clusters: {host: {"connection", "products", "phases"}}
    rollout: {"serial", "max_fail_percentage"} or None
    """
    errors, warnings = [], []
    if not clusters:
        errors.append("group edge_clusters is empty: add one host per Kubernetes cluster (connection local)")
    if not nodes:
        warnings.append("group edge_nodes is empty: only cluster phases can run")
    members = {name: [] for name in clusters}
    for node, info in sorted(nodes.items()):
        cluster = info.get("cluster")
        if node in clusters:
            errors.append("%s is in both edge_nodes and edge_clusters; a cluster is its own host" % node)
        if not cluster:
            errors.append("%s: node has no cluster; set acstor_edge_cluster to a host of edge_clusters" % node)
        elif not isinstance(cluster, str) or cluster not in clusters:
            errors.append("%s: acstor_edge_cluster %r is not a host of edge_clusters" % (node, cluster))
        else:
            members[cluster].append(node)
        products = _check_list_of(info.get("products"), str, "%s: acstor_edge_products" % node, errors)
        unknown = sorted(set(products) - set(KNOWN_PRODUCTS))
        if unknown:
            errors.append("%s: unknown product(s) %s in acstor_edge_products; choose from %s"
                          % (node, ", ".join(unknown), ", ".join(KNOWN_PRODUCTS)))
        phases = _check_list_of(info.get("phases"), str, "%s: acstor_edge_node_phases" % node, errors)
        unknown = sorted(set(phases) - set(NODE_PHASES))
        if unknown:
            errors.append("%s: unknown node phase(s) %s in acstor_edge_node_phases; choose from %s"
                          % (node, ", ".join(unknown), ", ".join(NODE_PHASES)))
        _check_stripes(node, info.get("stripes"), errors)
    for cluster, info in sorted(clusters.items()):
        if not _CLUSTER_NAME.match(cluster):
            errors.append("%s: cluster host names must be lowercase RFC 1123 labels (a-z, 0-9, '-', at most 63)"
                          % cluster)
        if info.get("connection") not in ("local", "ansible.builtin.local"):
            warnings.append("%s: cluster hosts normally use ansible_connection=local (got %s)"
                            % (cluster, info.get("connection") or "ssh"))
        phases = _check_list_of(info.get("phases"), str, "%s: acstor_edge_cluster_phases" % cluster, errors)
        unknown = sorted(set(phases) - set(CLUSTER_PHASES))
        if unknown:
            errors.append("%s: unknown cluster phase(s) %s in acstor_edge_cluster_phases; choose from %s"
                          % (cluster, ", ".join(unknown), ", ".join(CLUSTER_PHASES)))
        if not members.get(cluster):
            warnings.append("%s: no edge node names this cluster; only its cluster phases run" % cluster)
    if rollout:
        try:
            parse_serial(rollout.get("serial"))
        except RolloutPolicyError as exc:
            errors.append("rollout_serial: %s" % exc)
        percent = rollout.get("max_fail_percentage")
        if isinstance(percent, str) and re.match(r"^\s*\d+(\.\d+)?\s*$", percent):
            percent = float(percent)  # -e key=value passes strings
        if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
            errors.append("rollout_max_fail_percentage must be a number from 0 to 100, got %r" % (percent,))
    return {"errors": errors, "warnings": warnings, "members": {c: sorted(n) for c, n in members.items()}}
