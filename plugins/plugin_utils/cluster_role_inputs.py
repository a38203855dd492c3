# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster roles' variables checked with the rules their modules use (azure_inputs, k8s_inputs, local_csi_inputs).

Each cluster role's first task runs these over all of its phases' variables before it writes anything, and
playbooks/validate.yml runs them over every cluster host's inventory variables, so both report the same errors,
named by variable, with the rule id of the module that would receive the value. Only variables that are set are
checked: a role's defaults are known good, and hostvars hold only what the inventory sets.
"""

import re

from ansible_collections.acstor.edge.plugins.module_utils.azure import inputs as azure
from ansible_collections.acstor.edge.plugins.module_utils.azure.extension import ExtensionSpec, validate_spec
from ansible_collections.acstor.edge.plugins.module_utils.common import inputs as common
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev
from ansible_collections.acstor.edge.plugins.module_utils.k8s import inputs as k8s
from ansible_collections.acstor.edge.plugins.module_utils.local_csi.inputs import chart_ref, driver_option_errors
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules

EXTENSION_TYPE = "microsoft.arc.containerstorage"
CERT_MANAGER_MODES = ("auto", "platform", "certmanagement", "byo")
CERT_MANAGER_PROVIDERS = ("platform", "certmanagement")
IDENTITY_MODES = ("system", "workload")
NAMED_CLOUDS = ("AzureCloud", "AzureUSGovernment", "AzureChinaCloud")
AUTH_SOURCES = ("", "auto", "cli", "credential_file", "env", "msi", "workload_identity")
WORKLOAD_FIELDS = ("api_version", "kind", "name", "namespace")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# arc_extension variables whose role default is an arc_* host variable of the acstor.edge.arc_clusters inventory.
ARC_HOST_DEFAULTS = {
    "arc_extension_subscription_id": "arc_subscription_id",
    "arc_extension_resource_group": "arc_resource_group",
    "arc_extension_cluster_name": "arc_cluster_name",
    "arc_extension_workload_identity_location": "arc_location",
    "arc_extension_oidc_issuer_url": "arc_oidc_issuer_url",
}
# csi_driver variables whose role default is a fleet-wide acstor_edge_* variable (the models also come from the nodes).
SHARED_DEFAULTS = {
    "csi_driver_addon_models": "acstor_edge_nvme_models_extra",
    "csi_driver_volume_group": "acstor_edge_csi_volume_group",
}
# Host variables of the arc_clusters inventory that the arc_extension role reads as they are.
ARC_HOST_VARIABLES = ["arc_workload_identity_enabled"]


def _set(value):
    return value not in (None, "")


def _check_optional(errors, variables, name, rule):
    if _set(variables.get(name)):
        rules.check(errors, name, variables[name], rule)


def _check_bool(errors, variables, name):
    if variables.get(name) is not None:
        rules.check(errors, name, variables[name], rules.boolean)


def _check_seconds(errors, variables, name, minimum=1):
    value = variables.get(name)
    if value is None:
        return
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value):
        value = int(value)  # -e name=value passes text
    rule = rules.positive_integer if minimum else rules.non_negative_number
    rules.check(errors, name, value, rule)


def _check_choice(errors, variables, name, choices):
    if variables.get(name) is not None:
        rules.check_choice(errors, name, variables[name], choices)


def _check_k8s_auth(errors, variables, name):
    common.nested(errors, name, variables.get(name), "dict")


# The csi_driver_<option> variables the role passes to acstor.edge.local_csi_driver_preflight under the same name.
CSI_DRIVER_PREFLIGHT_OPTIONS = (
    "release_name",
    "release_namespace",
    "storage_class_name",
    "image_registry",
    "image_tag",
    "node_selector",
    "volume_group",
    "addon_models",
    "cleanup_enabled",
    "extra_values",
)


def csi_driver_errors(variables):
    """csi_driver: the options it passes to acstor.edge.local_csi_driver_preflight and Helm, and its own switches."""
    errors = []
    _check_choice(errors, variables, "csi_driver_state", ("present", "absent"))
    _check_k8s_auth(errors, variables, "csi_driver_k8s_auth")
    options = dict((option, variables.get("csi_driver_" + option)) for option in CSI_DRIVER_PREFLIGHT_OPTIONS)
    options["storage_class"] = dict(
        (option, variables.get("csi_driver_storage_class_" + option))
        for option in ("fstype", "reclaim_policy", "mount_options")
    )
    options["storage_class"]["is_default"] = variables.get("csi_driver_storage_class_default")

    def name(option):
        if option.startswith("storage_class."):
            option = option.replace("is_default", "default")
        return "csi_driver_" + option.replace(".", "_")

    errors.extend(driver_option_errors(options, name))
    _check_optional(errors, variables, "csi_driver_chart_ref", chart_ref)
    _check_optional(errors, variables, "csi_driver_chart_version", common.semantic_version)
    rules.check_list(errors, "csi_driver_node_hosts", variables.get("csi_driver_node_hosts"), rules.single_line)
    if variables.get("csi_driver_nvme_info_var") is not None:
        value = variables["csi_driver_nvme_info_var"]
        if rules.check(errors, "csi_driver_nvme_info_var", value, rules.single_line) and not _VARIABLE_NAME.fullmatch(
            value
        ):
            errors.append(
                rules.message("csi_driver_nvme_info_var", "%r is not a variable name" % (value,), "variable-name")
            )
    _check_optional(errors, variables, "csi_driver_image_pull_secret_name", k8s.dns_subdomain)
    _check_optional(errors, variables, "csi_driver_image_pull_registry", k8s.image_registry)
    _check_seconds(errors, variables, "csi_driver_wait_timeout")
    _check_bool(errors, variables, "csi_driver_uninstall_force")
    return errors


def _extension_spec(variables):
    mode = variables.get("arc_extension_auto_upgrade_mode")
    return ExtensionSpec(
        resource_group=variables.get("arc_extension_resource_group"),
        cluster_name=variables.get("arc_extension_cluster_name"),
        name=variables.get("arc_extension_name", "azure-arc-containerstorage"),
        cluster_type=variables.get("arc_extension_cluster_type", "connectedClusters"),
        extension_type=EXTENSION_TYPE,
        version=variables.get("arc_extension_version"),
        release_train=variables.get("arc_extension_release_train"),
        auto_upgrade_minor_version=variables.get("arc_extension_auto_upgrade") in (True, "true", "yes", "True"),
        auto_upgrade_mode=mode if _set(mode) else None,
        scope="cluster",
        release_namespace=variables.get("arc_extension_release_namespace", "azure-arc-containerstorage"),
        configuration_settings=variables.get("arc_extension_settings"),
        configuration_protected_settings=variables.get("arc_extension_protected_settings"),
        protected_settings_policy=variables.get("arc_extension_protected_settings_policy", "create_only"),
    )


_EXTENSION_VARIABLES = {
    "resource_group": "arc_extension_resource_group",
    "cluster_name": "arc_extension_cluster_name",
    "name": "arc_extension_name",
    "cluster_type": "arc_extension_cluster_type",
    "version": "arc_extension_version",
    "release_train": "arc_extension_release_train",
    "auto_upgrade_minor_version": "arc_extension_auto_upgrade",
    "auto_upgrade_mode": "arc_extension_auto_upgrade_mode",
    "release_namespace": "arc_extension_release_namespace",
    "configuration_settings": "arc_extension_settings",
    "configuration_protected_settings": "arc_extension_protected_settings",
    "protected_settings_policy": "arc_extension_protected_settings_policy",
}


def arc_extension_errors(variables):
    """arc_extension: every phase's inputs (cert-manager, the extension, storage access, workload identity)."""
    errors = []
    # An empty resource group or cluster name skips the role (its documented off switch): then they are not errors.
    coordinates = _set(variables.get("arc_extension_resource_group")) and _set(
        variables.get("arc_extension_cluster_name")
    )
    _extension_errors(errors, variables, coordinates)
    _cert_manager_errors(errors, variables)
    _storage_access_errors(errors, variables)
    _workload_identity_errors(errors, variables, coordinates)
    _check_bool(errors, variables, "arc_extension_teardown_cert_manager")
    _check_bool(errors, variables, "arc_extension_auto_upgrade")
    return errors


def _extension_errors(errors, variables, coordinates):
    """The extension itself, its ARM access and its waits."""
    for error in validate_spec(
        _extension_spec(variables),
        "present",
        lambda option: _EXTENSION_VARIABLES.get(option, "arc_extension_" + option),
    ):
        option = error.split(":", 1)[0]
        if coordinates or option not in ("arc_extension_resource_group", "arc_extension_cluster_name"):
            errors.append(error)
    _check_optional(errors, variables, "arc_extension_subscription_id", azure.subscription_id)
    _check_choice(errors, variables, "arc_extension_auth_source", AUTH_SOURCES)
    _check_optional(errors, variables, "arc_extension_client_id", common.guid)
    cloud = variables.get("arc_extension_cloud_environment")
    if _set(cloud) and cloud not in NAMED_CLOUDS:
        reason = common.https_url(cloud)
        if reason:
            errors.append(
                rules.message(
                    "arc_extension_cloud_environment",
                    "%s; or one of %s" % (reason, ", ".join(NAMED_CLOUDS)),
                    reason.rule_id,
                )
            )
    _check_optional(errors, variables, "arc_extension_delegate_to", rules.single_line)
    _check_optional(errors, variables, "arc_extension_kubeconfig", rules.single_line)
    _check_bool(errors, variables, "arc_extension_localhost_token_endpoint")
    _check_seconds(errors, variables, "arc_extension_wait_timeout")
    _check_seconds(errors, variables, "arc_extension_principal_wait_timeout")


def _cert_manager_errors(errors, variables):
    _check_choice(errors, variables, "arc_extension_cert_manager", CERT_MANAGER_MODES)
    _check_choice(errors, variables, "arc_extension_cert_manager_provider", CERT_MANAGER_PROVIDERS)
    _check_optional(errors, variables, "arc_extension_cert_manager_name", azure.extension_name)
    _check_optional(errors, variables, "arc_extension_cert_manager_version", common.semantic_version)
    _check_optional(errors, variables, "arc_extension_cert_manager_release_train", azure.release_train)
    if "arc_extension_cert_manager_settings" in variables:
        azure.check_settings(
            errors, "arc_extension_cert_manager_settings", variables["arc_extension_cert_manager_settings"]
        )


def _storage_access_errors(errors, variables):
    """The storage accounts the identity gets a Blob role on (each once) and the role's name."""
    accounts = common.nested(
        errors, "arc_extension_storage_account_ids", variables.get("arc_extension_storage_account_ids"), "list"
    )
    seen = {}
    for index, account in enumerate(accounts or []):
        option = "arc_extension_storage_account_ids[%d]" % index
        if rules.check(errors, option, account, azure.storage_account_id):
            key = account.rstrip("/").lower()
            if key in seen:
                errors.append(rules.message(option, "%r is listed twice (also [%d])" % (account, seen[key]), "unique"))
            seen.setdefault(key, index)
    _check_optional(errors, variables, "arc_extension_storage_role", azure.role_name)


def _workload_identity_errors(errors, variables, coordinates):
    """The identity mode and, in workload mode, what the cluster must offer (OIDC issuer, webhook, a region)."""
    _check_choice(errors, variables, "arc_extension_identity_mode", IDENTITY_MODES)
    _check_optional(errors, variables, "arc_extension_workload_identity_name", azure.identity_name)
    _check_optional(errors, variables, "arc_extension_workload_identity_resource_group", azure.resource_group)
    _check_optional(errors, variables, "arc_extension_workload_identity_location", azure.location)
    workload = variables.get("arc_extension_identity_mode") == "workload"
    # Teardown removes the identity: it needs neither the issuer nor the webhook.
    if workload and coordinates and not variables.get("arc_extension__teardown"):
        errors.extend(_workload_cluster_errors(variables))
    _check_optional(errors, variables, "arc_extension_oidc_issuer_url", common.https_url)


def _workload_cluster_errors(variables):
    cluster = variables["arc_extension_cluster_name"]
    enable = (
        "enable the issuer and webhook with `az connectedk8s update --enable-oidc-issuer "
        "--enable-workload-identity --name %s --resource-group %s`, then rerun"
        % (cluster, variables["arc_extension_resource_group"])
    )
    errors = []
    if not _set(variables.get("arc_extension_oidc_issuer_url")):
        errors.append(
            rules.message(
                "arc_extension_oidc_issuer_url",
                "is required with arc_extension_identity_mode="
                "workload: cluster %s has no OIDC issuer (oidcIssuerProfile.issuerUrl, "
                "arc_oidc_issuer_url of the arc_clusters inventory); %s" % (cluster, enable),
                "required",
            )
        )
    if variables.get("arc_workload_identity_enabled") in (False, "false", "False", "no"):
        errors.append(
            rules.message(
                "arc_workload_identity_enabled",
                "cluster %s has the workload identity webhook "
                "off (securityProfile.workloadIdentity.enabled false); %s" % (cluster, enable),
                "required",
            )
        )
    if not _set(variables.get("arc_extension_workload_identity_location")):
        errors.append(
            rules.message(
                "arc_extension_workload_identity_location",
                "is required with "
                "arc_extension_identity_mode=workload (the identity's region; arc_location of "
                "the arc_clusters inventory)",
                "required",
            )
        )
    return errors


def _teardown_workload_errors(errors, value):
    workloads = common.nested(errors, "edge_volumes_teardown_workloads", value, "list")
    for index, item in enumerate(workloads or []):
        option = "edge_volumes_teardown_workloads[%d]" % index
        if not isinstance(item, dict):
            errors.append(
                rules.message(
                    option, "must be a mapping {api_version, kind, name, namespace}, got %r" % (item,), "dict"
                )
            )
            continue
        unknown = sorted(str(key) for key in item if key not in WORKLOAD_FIELDS)
        if unknown:
            errors.append(rules.message(option, "has unknown field(s) %s" % ", ".join(unknown), "choice"))
        rules.check(errors, option + ".kind", item.get("kind"), rules.single_line)
        rules.check(errors, option + ".name", item.get("name"), k8s.dns_subdomain)
        if item.get("namespace") is not None:
            rules.check(errors, option + ".namespace", item["namespace"], k8s.dns_label)
        if item.get("api_version") is not None:
            rules.check(errors, option + ".api_version", item["api_version"], rules.single_line)


def edge_volumes_errors(variables):
    """edge_volumes: the whole volume list, the EdgeStorageConfiguration and the teardown inputs."""
    errors = []
    _check_choice(errors, variables, "edge_volumes_state", ("present", "absent"))
    _check_k8s_auth(errors, variables, "edge_volumes_k8s_auth")
    namespace = variables.get("edge_volumes_default_namespace", "default")
    if "edge_volumes_list" in variables:
        errors.extend(
            error.replace("default_namespace:", "edge_volumes_default_namespace:", 1)
            for error in ev.volume_list_errors(
                variables["edge_volumes_list"],
                namespace,
                "edge_volumes_list",
                variables.get("edge_volumes_extension_version") or None,
            )
        )
    elif "edge_volumes_default_namespace" in variables:
        rules.check(errors, "edge_volumes_default_namespace", namespace, k8s.dns_label)
    _check_choice(errors, variables, "edge_volumes_api", ("auto", ev.API_CURRENT, ev.API_LEGACY))
    _check_optional(errors, variables, "edge_volumes_extension_version", common.semantic_version)
    _check_bool(errors, variables, "edge_volumes_configuration_manage")
    _check_choice(errors, variables, "edge_volumes_configuration_owner", ("ansible", "extension"))
    configuration = {
        "name": "edge_volumes_configuration_name",
        "default_disk_storage_classes": "edge_volumes_default_disk_storage_classes",
        "workload_identity": "edge_volumes_workload_identity",
    }
    found = ev.validate_configuration(
        variables.get("edge_volumes_configuration_name", ev.DEFAULT_CONFIGURATION_NAME),
        variables.get("edge_volumes_default_disk_storage_classes"),
        variables.get("edge_volumes_workload_identity") or None,
        configuration.get,
    )
    errors.extend(found)
    _check_seconds(errors, variables, "edge_volumes_wait_timeout")
    _check_seconds(errors, variables, "edge_volumes_wait_sleep", minimum=0)
    _teardown_workload_errors(errors, variables.get("edge_volumes_teardown_workloads"))
    _check_bool(errors, variables, "edge_volumes_teardown_configuration")
    _check_bool(errors, variables, "edge_volumes_allow_data_loss")
    _check_bool(errors, variables, "edge_volumes_delete_retained_data")
    _check_bool(errors, variables, "edge_volumes_prune")
    return errors


ROLE_CHECKS = {
    "csi_driver": csi_driver_errors,
    "arc_extension": arc_extension_errors,
    "edge_volumes": edge_volumes_errors,
}
# Every variable a cluster role reads from the inventory (the names validate.yml picks from hostvars).
ROLE_VARIABLE_NAMES = (
    [
        "csi_driver_" + name
        for name in CSI_DRIVER_PREFLIGHT_OPTIONS
        + (
            "state",
            "k8s_auth",
            "chart_ref",
            "chart_version",
            "node_hosts",
            "nvme_info_var",
            "storage_class_fstype",
            "storage_class_reclaim_policy",
            "storage_class_default",
            "storage_class_mount_options",
            "wait_timeout",
            "uninstall_force",
            "image_pull_secret_name",
            "image_pull_registry",
        )
    ]
    + [
        "arc_extension_" + name
        for name in (
            "subscription_id",
            "resource_group",
            "cluster_name",
            "cluster_type",
            "delegate_to",
            "auth_source",
            "client_id",
            "tenant",
            "cloud_environment",
            "cert_manager",
            "cert_manager_provider",
            "cert_manager_name",
            "cert_manager_version",
            "cert_manager_release_train",
            "cert_manager_settings",
            "kubeconfig",
            "name",
            "version",
            "release_train",
            "auto_upgrade",
            "auto_upgrade_mode",
            "release_namespace",
            "settings",
            "localhost_token_endpoint",
            "protected_settings",
            "protected_settings_policy",
            "wait_timeout",
            "identity_mode",
            "storage_account_ids",
            "storage_role",
            "principal_wait_timeout",
            "workload_identity_name",
            "workload_identity_resource_group",
            "workload_identity_location",
            "oidc_issuer_url",
            "teardown_cert_manager",
        )
    ]
    + [
        "edge_volumes_" + name
        for name in (
            "state",
            "k8s_auth",
            "list",
            "default_namespace",
            "api",
            "extension_version",
            "configuration_manage",
            "configuration_owner",
            "configuration_name",
            "default_disk_storage_classes",
            "workload_identity",
            "wait_timeout",
            "wait_sleep",
            "teardown_workloads",
            "teardown_configuration",
            "allow_data_loss",
            "delete_retained_data",
            "prune",
        )
    ]
)


def role_input_errors(role, variables):
    """Errors of one cluster role's variables (only those present in ``variables``), each naming the variable."""
    present = dict((name, value) for name, value in (variables or {}).items() if value is not None)
    return ROLE_CHECKS[role](present)


def cluster_input_errors(variables):
    """Errors of every cluster role's variables a host sets, as validate.yml reports them."""
    return [error for role in ROLE_CHECKS for error in role_input_errors(role, variables)]


def pick_role_variables(hostvars):
    """The cluster role variables one host sets, from hostvars (read one by one: hostvars template lazily).

    The arc_* host variables of the arc_clusters inventory stand in for the arc_extension variables they default.
    """
    picked = dict((name, hostvars[name]) for name in ROLE_VARIABLE_NAMES + ARC_HOST_VARIABLES if name in hostvars)
    for name, host_variable in list(ARC_HOST_DEFAULTS.items()) + list(SHARED_DEFAULTS.items()):
        if name not in picked and host_variable in hostvars:
            picked[name] = hostvars[host_variable]
    return picked
