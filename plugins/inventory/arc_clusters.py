# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: arc_clusters
short_description: Azure Arc-enabled Kubernetes clusters as inventory hosts
version_added: 0.1.0
description:
  - Lists C(Microsoft.Kubernetes/connectedClusters) of one or more subscriptions (optionally only some resource
    groups) through Azure Resource Manager, api-version C(2026-05-01) (the first stable one whose schema has
    C(oidcIssuerProfile) and C(securityProfile); older ones never return them), one host per cluster with
    C(ansible_connection=local), for fleet plays that act on clusters through Azure (for example the
    acstor.edge.arc_extension role) and for AWX inventory sources.
  - "Groups: C(arc_clusters), C(location_<region>), C(resource_group_<name>), C(tag_<key>_<value>),
    C(distribution_<distribution>), C(connectivity_<status>), plus anything from O(keyed_groups) and O(groups)."
  - "Host variables: C(arc_cluster_name), C(arc_resource_id), C(arc_subscription_id), C(arc_resource_group),
    C(arc_location), C(arc_tags), C(arc_kubernetes_version), C(arc_agent_version), C(arc_distribution),
    C(arc_distribution_version), C(arc_infrastructure), C(arc_connectivity_status), C(arc_total_node_count),
    C(arc_provisioning_state), C(arc_workload_identity_enabled) (C(securityProfile.workloadIdentity.enabled)) and
    C(arc_oidc_issuer_url) when the cluster has an OIDC issuer."
  - The inventory file name must end in C(arc_clusters.yml) or C(arc_clusters.yaml).
author:
  - acstor.edge developers (@acstor)
extends_documentation_fragment:
  - acstor.edge.azure_auth
  - constructed
options:
  plugin:
    description: Marks the file as an acstor.edge.arc_clusters inventory.
    type: str
    required: true
    choices: [acstor.edge.arc_clusters]
  subscription_ids:
    description: Subscriptions to list. Defaults to the credentials' subscription (O(subscription_id) or E(AZURE_SUBSCRIPTION_ID)).
    type: list
    elements: str
    default: []
  resource_groups:
    description: Only these resource groups (in every listed subscription). Default is all.
    type: list
    elements: str
    default: []
  connected_only:
    description: Leave out clusters whose connectivity status is not C(Connected).
    type: bool
    default: false
"""

EXAMPLES = r"""
# inventories/azure/fleet.arc_clusters.yml
plugin: acstor.edge.arc_clusters
subscription_ids:
  - 00000000-0000-0000-0000-000000000001
resource_groups: [rg-edge-eu, rg-edge-us]
keyed_groups:
  - key: arc_tags.ring | default('none')
    prefix: ring
"""

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable

from ansible_collections.acstor.edge.plugins.module_utils.azure.auth import AzureAuthError, azure_auth_argument_spec
from ansible_collections.acstor.edge.plugins.module_utils.azure.client import (
    HAS_AZURE_CORE,
    ArmError,
    arm_client_from_settings,
)
from ansible_collections.acstor.edge.plugins.module_utils.azure.module import (
    HAS_AZURE_IDENTITY,
    auth_settings_from_options,
)
from ansible_collections.acstor.edge.plugins.plugin_utils.arc_inventory import (
    CONNECTED_CLUSTERS_API_VERSION,
    cluster_groups,
    cluster_hostvars,
    connected_clusters_path,
    host_names,
    inventory_option_errors,
)


class InventoryModule(BaseInventoryPlugin, Constructable):
    NAME = "acstor.edge.arc_clusters"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(
            ("arc_clusters.yml", "arc_clusters.yaml")
        )

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        if not (HAS_AZURE_CORE and HAS_AZURE_IDENTITY):
            raise AnsibleError("acstor.edge.arc_clusters needs the Python packages azure-core and azure-identity")
        errors = inventory_option_errors(self.get_option("subscription_ids"), self.get_option("resource_groups"))
        if errors:
            raise AnsibleError("acstor.edge.arc_clusters: invalid input, nothing was requested: " + "; ".join(errors))
        options = {key: self.get_option(key) for key in azure_auth_argument_spec()}
        try:
            settings = auth_settings_from_options(options)
            client = arm_client_from_settings(settings, log=self.display.vvv)
            clusters = []
            for subscription_id in self.get_option("subscription_ids") or [settings.subscription_id]:
                for resource_group in self.get_option("resource_groups") or [None]:
                    clusters.extend(
                        client.list(
                            connected_clusters_path(subscription_id, resource_group), CONNECTED_CLUSTERS_API_VERSION
                        )
                    )
        except (AzureAuthError, ArmError) as exc:
            raise AnsibleError("acstor.edge.arc_clusters: {0}".format(exc)) from exc
        if self.get_option("connected_only"):
            clusters = [c for c in clusters if (c.get("properties") or {}).get("connectivityStatus") == "Connected"]
        strict = self.get_option("strict")
        names = host_names(clusters)
        for cluster in clusters:
            host = names[cluster["id"]]
            hostvars = cluster_hostvars(cluster)
            self.inventory.add_host(host)
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            for group in cluster_groups(hostvars):
                group = self.inventory.add_group(self._sanitize_group_name(group))
                self.inventory.add_child(group, host)
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
