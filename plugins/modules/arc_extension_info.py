#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: arc_extension_info
short_description: Read Azure Arc cluster extensions
version_added: 0.1.0
description:
  - Returns one extension (O(name)) or all extensions of a cluster, optionally only those of one O(extension_type),
    through Azure Resource Manager (C(Microsoft.KubernetesConfiguration/extensions), api-version C(2025-03-01)).
extends_documentation_fragment:
  - acstor.edge.azure_auth
  - acstor.edge.azure_cluster
  - acstor.edge.attributes.read_only
options:
  name:
    description: Name of one extension. Without it, all extensions of the cluster are listed.
    type: str
  extension_type:
    description: Return only extensions of this type (case-insensitive), for example C(microsoft.iotoperations.platform).
    type: str
"""

EXAMPLES = r"""
- name: Which cert-manager providers are installed as extensions?
  acstor.edge.arc_extension_info:
    resource_group: rg-edge
    cluster_name: store-0042
  register: extensions

- name: The Azure Container Storage extension's identity
  acstor.edge.arc_extension_info:
    resource_group: rg-edge
    cluster_name: store-0042
    name: azure-arc-containerstorage
  register: acsa
"""

RETURN = r"""
extensions:
  description: Matching extension resources as ARM returns them (empty when none match or O(name) does not exist).
  returned: always
  type: list
  elements: dict
  sample:
    - name: azure-arc-containerstorage
      identity: {type: SystemAssigned, principalId: 2f0c0a3e-0000-0000-0000-000000000000}
      properties: {extensionType: microsoft.arc.containerstorage, provisioningState: Succeeded}
principal_ids:
  description:
    - Extension name to its principal id, for the extensions that have one (C(identity.principalId), or
      C(properties.aksAssignedIdentity.principalId) on managedClusters, where AKS assigns the identity).
  returned: always
  type: dict
  sample: {azure-arc-containerstorage: 2f0c0a3e-0000-0000-0000-000000000000}
"""

from ansible_collections.acstor.edge.plugins.module_utils.azure import inputs as azure_inputs
from ansible_collections.acstor.edge.plugins.module_utils.azure import module as arm_module
from ansible_collections.acstor.edge.plugins.module_utils.azure.extension import (
    EXTENSIONS_API_VERSION,
    extension_path,
    extensions_path,
    principal_id,
    spec_from_params,
    validate_spec,
)
from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import check

SPEC = dict(
    arm_module.cluster_argument_spec(),
    name=dict(type="str"),
    extension_type=dict(type="str"),
)


def validate(params):
    errors = validate_spec(spec_from_params(params), state="info")
    if params["extension_type"] is not None:
        check(errors, "extension_type", params["extension_type"], azure_inputs.extension_type)
    return errors


def read_extensions(module, client, result):
    params, spec = module.params, spec_from_params(module.params)
    if params["name"]:
        found = client.get(extension_path(client.subscription_id, spec), EXTENSIONS_API_VERSION)
        extensions = [found] if found else []
    else:
        extensions = client.list(extensions_path(client.subscription_id, spec), EXTENSIONS_API_VERSION)
    if params["extension_type"]:
        wanted = params["extension_type"].lower()
        extensions = [
            e for e in extensions if ((e.get("properties") or {}).get("extensionType") or "").lower() == wanted
        ]
    result.update(
        extensions=extensions,
        principal_ids=dict((e.get("name"), principal_id(e)) for e in extensions if principal_id(e)),
    )


def main():
    arm_module.run_module(SPEC, validate, read_extensions)


if __name__ == "__main__":
    main()
