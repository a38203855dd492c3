# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connected clusters (Microsoft.Kubernetes/connectedClusters) → inventory hosts, host variables and groups."""

from ansible_collections.acstor.edge.plugins.module_utils.azure import inputs as azure
from ansible_collections.acstor.edge.plugins.module_utils.azure.client import split_resource_id
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules

# The first stable api-version whose ConnectedCluster schema has oidcIssuerProfile and securityProfile; ARM returns
# only the fields of the api-version asked for, so 2024-01-01 never shows the OIDC issuer.
CONNECTED_CLUSTERS_API_VERSION = "2026-05-01"


def connected_clusters_path(subscription_id, resource_group=None):
    if resource_group:
        return "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Kubernetes/connectedClusters".format(
            subscription_id, resource_group
        )
    return "/subscriptions/{0}/providers/Microsoft.Kubernetes/connectedClusters".format(subscription_id)


def inventory_option_errors(subscription_ids, resource_groups):
    """The arc_clusters options that become ARM paths: every error at once, before the first request."""
    errors = []
    rules.check_list(errors, "subscription_ids", subscription_ids, azure.subscription_id)
    rules.check_list(errors, "resource_groups", resource_groups, azure.resource_group)
    return errors


def cluster_hostvars(cluster):
    """Host variables for one connected cluster (names prefixed arc_; the role reads them as defaults)."""
    properties = cluster.get("properties") or {}
    ids = split_resource_id(cluster.get("id", ""))
    hostvars = {
        "ansible_connection": "local",
        "arc_cluster_name": cluster.get("name"),
        "arc_resource_id": cluster.get("id"),
        "arc_subscription_id": ids.get("subscription"),
        "arc_resource_group": ids.get("resource_group"),
        "arc_location": cluster.get("location"),
        "arc_tags": cluster.get("tags") or {},
        "arc_kubernetes_version": properties.get("kubernetesVersion"),
        "arc_agent_version": properties.get("agentVersion"),
        "arc_distribution": properties.get("distribution"),
        "arc_distribution_version": properties.get("distributionVersion"),
        "arc_infrastructure": properties.get("infrastructure"),
        "arc_connectivity_status": properties.get("connectivityStatus"),
        "arc_total_node_count": properties.get("totalNodeCount"),
        "arc_provisioning_state": properties.get("provisioningState"),
    }
    issuer = (properties.get("oidcIssuerProfile") or {}).get("issuerUrl")
    if issuer:
        hostvars["arc_oidc_issuer_url"] = issuer
    hostvars["arc_workload_identity_enabled"] = bool(
        ((properties.get("securityProfile") or {}).get("workloadIdentity") or {}).get("enabled")
    )
    return hostvars


def cluster_groups(hostvars):
    """Group names (unsanitised) for a cluster: location, resource group, each tag, distribution, connectivity."""
    groups = ["arc_clusters"]
    for prefix, key in (
        ("location", "arc_location"),
        ("resource_group", "arc_resource_group"),
        ("distribution", "arc_distribution"),
        ("connectivity", "arc_connectivity_status"),
    ):
        if hostvars.get(key):
            groups.append("{0}_{1}".format(prefix, hostvars[key]).lower())
    for key, value in sorted((hostvars.get("arc_tags") or {}).items()):
        groups.append("tag_{0}_{1}".format(key, value) if value not in (None, "") else "tag_{0}".format(key))
    return groups


def host_names(clusters):
    """Inventory host name per cluster id: the cluster name, or resource group + name where names collide."""
    counts = {}
    for cluster in clusters:
        counts[cluster["name"].lower()] = counts.get(cluster["name"].lower(), 0) + 1
    names = {}
    for cluster in clusters:
        name = cluster["name"]
        if counts[name.lower()] > 1:
            ids = split_resource_id(cluster["id"])
            name = "{0}_{1}".format(ids.get("resource_group"), name)
        names[cluster["id"]] = name
    return names
