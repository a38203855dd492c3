#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: arc_extension
short_description: Create, update or delete an Azure Arc cluster extension
version_added: 0.1.0
description:
  - Manages a C(Microsoft.KubernetesConfiguration/extensions) resource on an Arc-enabled (connectedClusters), AKS
    (managedClusters), AKS Arc (provisionedClusters) or Arc resource bridge (appliances) cluster through Azure Resource
    Manager, api-version C(2025-03-01).
  - Idempotent. The module reads the extension, compares only the fields it is given (extension type, version, release
    train, auto-upgrade, scope, each configuration setting key, identity) and sends a PATCH with just the differences,
    a PUT when the extension is new, needs an identity added or is in the C(Failed) state, and nothing otherwise.
  - Long-running operations are followed through C(Azure-AsyncOperation) or C(Location), or by reading the extension
    when ARM gives neither (a PUT on an existing extension), until they finish or O(wait_timeout) passes; the poll
    progress is in RV(progress) (shown with C(-v)).
  - When the extension is C(Creating), C(Updating) or C(Deleting) as the task starts (an auto-upgrade, another
    pipeline, a portal click), the module waits for that operation to end, within O(wait_timeout), and plans against
    the state it ends in, because ARM refuses writes meanwhile. If it does not end in time the task fails naming the
    state and the time waited, having written nothing. This wait also happens in check mode and with O(wait=false).
  - Throttling and server errors are retried; a C(Retry-After) is honoured as long as the waits stay within
    O(wait_timeout) (each wait and its reason is in RV(progress)); a longer one ends the task with the error.
extends_documentation_fragment:
  - acstor.edge.azure_auth
  - acstor.edge.azure_cluster
  - acstor.edge.attributes.full
attributes:
  check_mode:
    details: Reads the extension and reports the plan; sends no PUT, PATCH or DELETE.
  diff_mode:
    details: Before/after of the fields the task manages. Protected settings are never shown.
options:
  name:
    description:
      - Name of the extension resource, for example C(azure-arc-containerstorage).
    type: str
    required: true
  extension_type:
    description:
      - Extension type, for example C(microsoft.arc.containerstorage). Required with O(state=present). Compared
        case-insensitively; it cannot change on an existing extension.
    type: str
  version:
    description:
      - Version to pin. Implies O(auto_upgrade_minor_version=false) unless that is given.
      - ARM reports the installed version also for an auto-upgrading extension; without this option it is not
        compared, and no request carries C(version) unless C(autoUpgradeMinorVersion) is false.
    type: str
  release_train:
    description: Release train, for example C(stable) or C(preview). Compared case-insensitively.
    type: str
  auto_upgrade_minor_version:
    description: Whether the extension follows minor versions of its release train. Must be false with O(version).
    type: bool
  auto_upgrade_mode:
    description:
      - C(autoUpgradeMode) (api-version 2025-03-01), compared like the other fields; unset leaves it to the service
        (its default is V(compatible)).
    type: str
    choices: [none, patch, compatible]
  scope:
    description:
      - V(cluster) (one release in O(release_namespace)) or V(namespace) (in O(target_namespace)). Fixed at creation; a
        different scope on an existing extension is an error.
    type: str
    choices: [cluster, namespace]
  release_namespace:
    description: Namespace of the Helm release. Only with O(scope=cluster), as C(az k8s-extension) requires.
    type: str
  target_namespace:
    description: Namespace with O(scope=namespace).
    type: str
  configuration_settings:
    description:
      - Configuration settings as string key/value pairs. Only the listed keys are managed, each compared separately;
        keys set by others are left alone. Values must be strings (quote V('true') in YAML).
    type: dict
    default: {}
  configuration_protected_settings:
    description:
      - Sensitive settings (string values). ARM never returns them, so they cannot be compared; see
        O(protected_settings_policy).
    type: dict
  protected_settings_policy:
    description:
      - V(create_only) sends O(configuration_protected_settings) when the extension is created or re-PUT (identity added,
        Failed install retried) and never on PATCH, so reruns stay unchanged.
      - V(always) sends all of them with every run (a PATCH; reported as changed every time). Use it to rotate a value.
        List every protected key the extension needs, because the spec does not say whether a PATCH merges
        C(configurationProtectedSettings) or replaces the whole map, and ARM never returns them, so keys left out may
        be lost.
    type: str
    default: create_only
    choices: [create_only, always]
  identity:
    description:
      - V(SystemAssigned) requests a system-assigned managed identity (needed by Azure Container Storage to reach Blob
        storage). Adding it to an existing extension is a full PUT that keeps the other fields (the PATCH schema of the
        spec copy we validate against has no identity; a PUT is valid whichever variant the service follows).
      - On O(cluster_type=managedClusters) no identity is sent (AKS assigns one, reported in
        C(properties.aksAssignedIdentity), as C(az k8s-extension) does). V(SystemAssigned) then waits for that
        principal, and RV(principal_id) returns it.
      - Unset leaves the identity as it is.
    type: str
    choices: [SystemAssigned]
  state:
    description: Whether the extension should exist.
    type: str
    default: present
    choices: [present, absent]
  force_delete:
    description:
      - With O(state=absent), delete the Azure resource without waiting for the cluster agents to remove the Helm release
        (C(forceDelete=true)). Use only for clusters that are gone or disconnected for good.
    type: bool
    default: false
  wait:
    description:
      - Wait for the operation to finish (C(provisioningState) Succeeded) and for the principal id to appear.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the operation, and again for the principal id.
    type: int
    default: 1800
"""

EXAMPLES = r"""
- name: Azure Container Storage enabled by Azure Arc, pinned
  acstor.edge.arc_extension:
    resource_group: rg-edge
    cluster_name: store-0042
    name: azure-arc-containerstorage
    extension_type: microsoft.arc.containerstorage
    version: 2.12.0
    release_train: stable
    auto_upgrade_minor_version: false
    scope: cluster
    release_namespace: azure-arc-containerstorage
    identity: SystemAssigned
    configuration_settings:
      edgeStorageConfiguration.create: "true"
      feature.diskStorageClass: default,local-path
  register: acsa

- name: Grant the extension identity access (principal id from the result)
  ansible.builtin.debug:
    msg: "{{ acsa.principal_id }}"

- name: Remove the extension of a cluster that no longer exists
  acstor.edge.arc_extension:
    resource_group: rg-edge
    cluster_name: store-0042
    name: azure-arc-containerstorage
    state: absent
    force_delete: true
"""

RETURN = r"""
extension:
  description: The extension resource as ARM returns it (protected settings are never returned). Empty after deletion.
  returned: always
  type: dict
  sample:
    name: azure-arc-containerstorage
    identity: {type: SystemAssigned, principalId: 2f0c0a3e-0000-0000-0000-000000000000}
    properties: {extensionType: microsoft.arc.containerstorage, provisioningState: Succeeded, version: 2.12.0}
principal_id:
  description:
    - C(identity.principalId) of the extension, or C(properties.aksAssignedIdentity.principalId) on AKS, once ARM has
      populated it.
  returned: when the extension has an identity
  type: str
settle_wait_seconds:
  description: Seconds spent waiting for an operation in progress to end before planning (0 when none was running).
  returned: always
  type: float
provisioning_state:
  description: C(properties.provisioningState) after the task.
  returned: always
  type: str
  sample: Succeeded
actions:
  description: Human-readable list of the differences that were (or in check mode would be) applied.
  returned: always
  type: list
  elements: str
  sample: ["configurationSettings.feature.diskStorageClass: default → default,local-path"]
progress:
  description: Long-running-operation polls, waits for an operation in progress, and retries with how long each waited and why.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.acstor.edge.plugins.module_utils.azure import extension
from ansible_collections.acstor.edge.plugins.module_utils.azure import module as arm_module
from ansible_collections.acstor.edge.plugins.module_utils.azure.extension import validate_spec
from ansible_collections.acstor.edge.plugins.module_utils.azure.extension_runner import run_extension
from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import message

SPEC = dict(
    arm_module.cluster_argument_spec(),
    name=dict(type="str", required=True),
    extension_type=dict(type="str"),
    version=dict(type="str"),
    release_train=dict(type="str"),
    auto_upgrade_minor_version=dict(type="bool"),
    auto_upgrade_mode=dict(type="str", choices=["none", "patch", "compatible"]),
    scope=dict(type="str", choices=["cluster", "namespace"]),
    release_namespace=dict(type="str"),
    target_namespace=dict(type="str"),
    configuration_settings=dict(type="dict", default={}),
    configuration_protected_settings=dict(type="dict", no_log=True),
    protected_settings_policy=dict(type="str", default="create_only", choices=["create_only", "always"]),
    identity=dict(type="str", choices=["SystemAssigned"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    force_delete=dict(type="bool", default=False),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
)


def spec_from_params(params):
    return extension.spec_from_params(
        params,
        extension_type=params["extension_type"] or "",
        version=params["version"],
        release_train=params["release_train"],
        auto_upgrade_minor_version=params["auto_upgrade_minor_version"],
        auto_upgrade_mode=params["auto_upgrade_mode"],
        scope=params["scope"],
        release_namespace=params["release_namespace"],
        target_namespace=params["target_namespace"],
        configuration_settings=params["configuration_settings"] or {},
        configuration_protected_settings=params["configuration_protected_settings"],
        protected_settings_policy=params["protected_settings_policy"],
        identity=params["identity"],
    )


def validate(params):
    errors = validate_spec(spec_from_params(params), params["state"])
    if params["wait_timeout"] <= 0:
        errors.append(message("wait_timeout", "must be a positive number of seconds", "positive-integer"))
    return errors


def apply_extension(module, client, result):
    run_extension(client, spec_from_params(module.params), module.params, module.check_mode, module._diff, result)


def main():
    arm_module.run_module(
        SPEC,
        validate,
        apply_extension,
        timeout_option="wait_timeout",
        required_if=[("state", "present", ["extension_type"])],
    )


if __name__ == "__main__":
    main()
