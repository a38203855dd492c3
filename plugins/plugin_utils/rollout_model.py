# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the rollout role decides from the inventory and its hosts' results, once per cluster or node.

Pure functions over plain data; ``hostvars`` is any mapping of host name to that host's variables
(Ansible's HostVars in the filters). A host or variable that is not there counts as absent.
"""

from __future__ import annotations

# The cluster phases in the order they run, and the ones each product needs.
CLUSTER_PHASES = ("csi_driver", "arc_extension", "edge_volumes")
PRODUCT_PHASES = {"local_csi": ("csi_driver",), "edge_volumes": ("arc_extension", "edge_volumes")}
# An unset acstor_edge_products means both products, to the cluster phases as to the node roles.
ALL_PRODUCTS = ("edge_volumes", "local_csi")
NODE_NO_RESULT = "unreachable or stopped before the end of its phases"


def host_variable(hostvars, host, name, default=None):
    """One variable of one host, or ``default`` when the host or the variable is not there."""
    # Ansible's HostVars answers a host outside the inventory with an undefined value, not a KeyError.
    if host not in hostvars:
        return default
    return hostvars[host].get(name, default)


def cluster_model(requested, members, hostvars):
    """Requested clusters with their groups and their nodes' groups (what a webhook payload is matched against)."""
    model = {}
    for cluster in requested:
        nodes = (members or {}).get(cluster) or []
        model[cluster] = {
            "groups": host_variable(hostvars, cluster, "group_names", []),
            "nodes": {node: host_variable(hostvars, node, "group_names", []) for node in nodes},
        }
    return model


def node_outcomes(nodes, hostvars):
    """The cluster's nodes that finished their phases (``ok``), the others (``failed``) and why (``failures``)."""
    outcome = {"ok": [], "failed": [], "failures": []}
    for node in nodes:
        result = host_variable(hostvars, node, "rollout_node_result") or {}
        if result.get("status") == "ok":
            outcome["ok"].append(node)
            continue
        outcome["failed"].append(node)
        outcome["failures"].append(f"{node} ({result.get('phase', '-')}: {result.get('reason', NODE_NO_RESULT)})")
    return outcome


def teardown_failures(clusters, hostvars):
    """The clusters whose teardown reported a status other than ok (``failed``) and why (``failures``).

    A cluster without rollout_teardown_result did not reach the teardown and is not counted.
    """
    outcome = {"failed": [], "failures": []}
    for cluster in clusters:
        result = host_variable(hostvars, cluster, "rollout_teardown_result")
        if result is None or result.get("status") == "ok":
            continue
        outcome["failed"].append(cluster)
        outcome["failures"].append(f"{cluster} ({result.get('phase', '')}: {result.get('reason', '')})")
    return outcome


def cluster_phases(nodes, hostvars, configured=None):
    """The configured cluster phases, else the ones the products of the cluster's nodes need, in phase order.

    A node without acstor_edge_products counts as running both products.
    """
    if configured is not None:
        return configured
    needed = set()
    for node in nodes:
        products = host_variable(hostvars, node, "acstor_edge_products", ALL_PRODUCTS)
        for product in ALL_PRODUCTS if products is None else products:
            needed.update(PRODUCT_PHASES.get(product, ()))
    return [phase for phase in CLUSTER_PHASES if phase in needed]


def present_stripes(stripes):
    """The stripes of an nvme_stripe_list a node should have: those without a state or with state present."""
    return [stripe for stripe in stripes or [] if stripe.get("state", "present") == "present"]


def stripe_problems(names, health):
    """'stripe <name>: <problem>' for each named stripe the node's local fact reports degraded."""
    problems = []
    for name in names:
        stripe = (health or {}).get(name) or {}
        if stripe.get("degraded", False):
            problems.append(f"stripe {name}: {stripe.get('problem', 'degraded')}")
    return problems
