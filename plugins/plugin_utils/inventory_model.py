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

from ansible_collections.acstor.edge.plugins.module_utils.k8s.inputs import dns_label
from ansible_collections.acstor.edge.plugins.plugin_utils import cluster_role_inputs, node_role_inputs
from ansible_collections.acstor.edge.plugins.plugin_utils.cluster_role_inputs import cluster_input_errors
from ansible_collections.acstor.edge.plugins.plugin_utils.node_role_inputs import node_input_errors
from ansible_collections.acstor.edge.plugins.plugin_utils.rollout_plan import RolloutPolicyError, parse_serial

KNOWN_PRODUCTS = ("edge_volumes", "local_csi")
# Renamed variables (docs/fleet.md#variables): old name -> new name. The old name still works until the version below.
DEPRECATED_VARIABLES = {
    "acstor_edge_teardown_clusters": "acstor_edge_cluster_hosts",
    "acstor_edge_serial": "acstor_edge_node_serial",
    "acstor_edge_max_fail_percentage": "acstor_edge_node_max_fail_percentage",
}
DEPRECATED_VARIABLES_REMOVED_IN = "0.3.0"  # deprecated in 0.2.0: kept for one release


def deprecated_variable_messages(variables):
    """One message per deprecated variable name set in ``variables`` (a mapping read by name, e.g. hostvars[host])."""
    return [
        "%s is deprecated; use %s (it takes precedence when both are set)" % (old, new)
        for old, new in sorted(DEPRECATED_VARIABLES.items())
        if old in variables
    ]


NODE_PHASES = ("preflight", "prep", "stripe")
CLUSTER_PHASES = ("csi_driver", "arc_extension", "edge_volumes")


def _check_list_of(value, kind, label, errors):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
        errors.append("%s must be a list of %s, got %r" % (label, "objects" if kind is dict else "strings", value))
        return []
    return value


def _check_known(errors, host, given, known, what, variable):
    """An error naming the host, the values of `variable` that are not among `known`, and the known ones."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        errors.append(
            "%s: unknown %s %s in %s; choose from %s" % (host, what, ", ".join(unknown), variable, ", ".join(known))
        )


def _stripe_takes_every_local_disk(stripe):
    if not isinstance(stripe, dict) or stripe.get("state", "present") != "present" or stripe.get("mode") == "csi_vg":
        return False
    selector = stripe.get("selector")
    return (
        isinstance(selector, dict)
        and selector.get("class", "local") in ("local", "any", "", None)
        and selector.get("count") is None
        and not selector.get("models")
    )


def local_csi_disk_errors(node, products, phases, stripes):
    """A node that runs the local CSI driver needs local disks left for it, or a csi_vg stripe handing it a VG.

    A stripe whose selector takes every local disk (no count, no models) leaves the driver none: preflight's
    nvme_disks check fails from the second run on and the driver never gets a disk.
    """
    products = KNOWN_PRODUCTS if products is None else products
    phases = NODE_PHASES if phases is None else phases
    if not all(isinstance(v, (list, tuple)) for v in (products, phases, stripes)):
        return []  # reported as malformed above
    if "local_csi" not in products or "stripe" not in phases:
        return []
    if any(
        isinstance(s, dict) and s.get("mode") == "csi_vg" and s.get("state", "present") == "present" for s in stripes
    ):
        return []
    return [
        "%s: runs local_csi but stripe %r takes every local NVMe disk (selector without count or models), so "
        "the local CSI driver gets none; set selector.count to leave disks free, add a mode csi_vg stripe, or "
        "drop local_csi from acstor_edge_products" % (node, stripe.get("name"))
        for stripe in stripes
        if _stripe_takes_every_local_disk(stripe)
    ]


def ingest_without_storage_account_warnings(cluster, cluster_vars):
    """Cloud volumes write to Blob storage with the extension's identity: it needs a role on the account."""
    volumes = cluster_vars.get("edge_volumes_list")
    if not isinstance(volumes, list) or cluster_vars.get("arc_extension_storage_account_ids"):
        return []
    cloud = [v.get("name") for v in volumes if isinstance(v, dict) and v.get("kind") == "cloud"]
    return (
        [
            "%s: cloud volume(s) %s but no arc_extension_storage_account_ids: the extension's identity gets no Blob "
            "role and ingest fails unless the role is assigned elsewhere" % (cluster, ", ".join(map(str, cloud)))
        ]
        if cloud
        else []
    )


def inventory_nodes(hosts, hostvars):
    """The inventory model of the node hosts, read from hostvars: {node: {cluster, products, phases, node_vars}}.

    node_vars are the node roles' variables the host sets (checked with the rules the roles and modules use).
    """
    return {
        host: {
            "cluster": hostvars[host].get("acstor_edge_cluster"),
            "products": hostvars[host].get("acstor_edge_products"),
            "phases": hostvars[host].get("acstor_edge_node_phases"),
            "node_vars": node_role_inputs.pick_role_variables(hostvars[host]),
        }
        for host in hosts
    }


def inventory_clusters(hosts, hostvars):
    """The inventory model of the cluster hosts, read from hostvars: {cluster: {connection, phases, cluster_vars}}."""
    return {
        host: {
            "connection": hostvars[host].get("ansible_connection"),
            "phases": hostvars[host].get("acstor_edge_cluster_phases"),
            "cluster_vars": cluster_role_inputs.pick_role_variables(hostvars[host]),
        }
        for host in hosts
    }


def validate_inventory(nodes, clusters, rollout=None):
    """Every inventory error and warning, as {"errors": [...], "warnings": [...]}.

    nodes: {host: {"cluster", "products", "phases", "node_vars"}}: node_vars are the node roles' variables the
        host sets (node_role_inputs.pick_role_variables), checked with the rules the roles and modules use;
        a "stripes" entry stands for node_vars {"nvme_stripe_list": stripes}
    clusters: {host: {"connection", "products", "phases", "cluster_vars"}}: cluster_vars are the cluster roles'
        variables the host sets (cluster_role_inputs.pick_role_variables), checked with the rules the modules use
    rollout: {"serial", "max_fail_percentage"} or None
    """
    errors, warnings = [], []
    if not clusters:
        errors.append("group edge_clusters is empty: add one host per Kubernetes cluster (connection local)")
    if not nodes:
        warnings.append("group edge_nodes is empty: only cluster phases can run")
    members = {name: [] for name in clusters}
    for node, info in sorted(nodes.items()):
        _node_errors(node, info, clusters, members, errors)
    for cluster, info in sorted(clusters.items()):
        _cluster_errors(cluster, info, members, errors, warnings)
    if rollout:
        _rollout_errors(rollout, errors)
    return {"errors": errors, "warnings": warnings, "members": {c: sorted(n) for c, n in members.items()}}


def _node_errors(node, info, clusters, members, errors):
    """One node host: its cluster (recorded in members), products, phases and node role variables."""
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
    _check_known(errors, node, products, KNOWN_PRODUCTS, "product(s)", "acstor_edge_products")
    phases = _check_list_of(info.get("phases"), str, "%s: acstor_edge_node_phases" % node, errors)
    _check_known(errors, node, phases, NODE_PHASES, "node phase(s)", "acstor_edge_node_phases")
    node_vars = info.get("node_vars")
    if node_vars is None:
        node_vars = {"nvme_stripe_list": info.get("stripes") or []}
    errors.extend("%s: %s" % (node, error) for error in node_input_errors(node_vars))
    errors.extend(
        local_csi_disk_errors(node, info.get("products"), info.get("phases"), node_vars.get("nvme_stripe_list"))
    )


def _cluster_errors(cluster, info, members, errors, warnings):
    """One cluster host: its name, connection, phases and cluster role variables."""
    # Cluster host names become Kubernetes-facing labels and file names in reports: DNS-1123 labels.
    if dns_label(cluster):
        errors.append("%s: cluster host names must be lowercase RFC 1123 labels (a-z, 0-9, '-', at most 63)" % cluster)
    if info.get("connection") not in ("local", "ansible.builtin.local"):
        warnings.append(
            "%s: cluster hosts normally use ansible_connection=local (got %s)"
            % (cluster, info.get("connection") or "ssh")
        )
    phases = _check_list_of(info.get("phases"), str, "%s: acstor_edge_cluster_phases" % cluster, errors)
    _check_known(errors, cluster, phases, CLUSTER_PHASES, "cluster phase(s)", "acstor_edge_cluster_phases")
    errors.extend("%s: %s" % (cluster, error) for error in cluster_input_errors(info.get("cluster_vars") or {}))
    warnings.extend(ingest_without_storage_account_warnings(cluster, info.get("cluster_vars") or {}))
    if not members.get(cluster):
        warnings.append("%s: no edge node names this cluster; only its cluster phases run" % cluster)


def _rollout_errors(rollout, errors):
    """The batch policy: rollout_serial and rollout_max_fail_percentage."""
    try:
        parse_serial(rollout.get("serial"))
    except RolloutPolicyError as exc:
        errors.append("rollout_serial: %s" % exc)
    percent = rollout.get("max_fail_percentage")
    if isinstance(percent, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", percent):
        percent = float(percent)  # -e key=value passes strings
    if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
        errors.append("rollout_max_fail_percentage must be a number from 0 to 100, got %r" % (percent,))
