# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arc cluster extensions (Microsoft.KubernetesConfiguration/extensions): spec, validation, plan, request bodies.

Pure functions only: `plan_extension(current, spec)` compares the fields we own with what ARM returned and says
whether to create (PUT), update (PATCH with only the differences), replace (PUT, when the identity must be added or a
Failed install retried) or do nothing. The module and the role execute the plan through ArmClient, after waiting for
any operation in progress to settle (`operation_in_progress`).
"""

from dataclasses import dataclass, field

from ansible_collections.acstor.edge.plugins.module_utils.azure import inputs as azure
from ansible_collections.acstor.edge.plugins.module_utils.azure.container_storage_releases import downgrade_verdict
from ansible_collections.acstor.edge.plugins.module_utils.common import inputs as common
from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError
from ansible_collections.acstor.edge.plugins.module_utils.k8s import inputs as k8s
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules

EXTENSIONS_API_VERSION = "2025-03-01"

# clusterResourceName → clusterRp, as `az k8s-extension` maps them (get_cluster_rp_api_version in its utils.py; the
# 2025-03-01 spec's clusterRp/clusterResourceName enums list the same four).
CLUSTER_PROVIDERS = {
    "connectedClusters": "Microsoft.Kubernetes",
    "managedClusters": "Microsoft.ContainerService",
    "provisionedClusters": "Microsoft.HybridContainerService",
    "appliances": "Microsoft.ResourceConnector",
}
# AKS gives extensions their identity itself (properties.aksAssignedIdentity); `az k8s-extension create` sends no
# identity for managedClusters (__create_identity in its custom.py).
CLUSTER_TYPES_WITHOUT_IDENTITY = ("managedClusters",)
PROTECTED_SETTINGS_POLICIES = ("create_only", "always")
# Extension.properties.autoUpgradeMode (new in 2025-03-01).
AUTO_UPGRADE_MODES = ("none", "patch", "compatible")
# provisioningState values of an operation in progress: ARM refuses other writes until it ends.
IN_PROGRESS_STATES = ("creating", "updating", "deleting")


@dataclass
class ExtensionSpec:
    resource_group: str
    cluster_name: str
    name: str
    cluster_type: str = "connectedClusters"
    extension_type: str = ""
    version: str = None
    release_train: str = None
    auto_upgrade_minor_version: bool = None
    auto_upgrade_mode: str = None  # none | patch | compatible
    scope: str = None  # cluster | namespace
    release_namespace: str = None
    target_namespace: str = None
    configuration_settings: dict = field(default_factory=dict)
    configuration_protected_settings: dict = None
    protected_settings_policy: str = "create_only"
    identity: str = None  # SystemAssigned | None (leave as is)

    @property
    def auto_upgrade(self):
        """autoUpgradeMinorVersion to request: pinning a version implies false (ARM rejects version + true)."""
        if self.auto_upgrade_minor_version is None and self.version:
            return False
        return self.auto_upgrade_minor_version

    @property
    def sends_identity(self):
        """Whether the PUT body carries `identity` (never on AKS, which assigns its own)."""
        return bool(self.identity) and self.cluster_type not in CLUSTER_TYPES_WITHOUT_IDENTITY


def spec_from_params(params, **settings):
    """The ExtensionSpec a module's options name: the extension and its cluster (azure.module.cluster_argument_spec
    and `name`), with `settings` for the rest of the spec."""
    return ExtensionSpec(
        resource_group=params["resource_group"],
        cluster_name=params["cluster_name"],
        name=params["name"],
        cluster_type=params["cluster_type"],
        **settings,
    )


@dataclass
class Change:
    field: str
    before: object
    after: object


@dataclass
class ExtensionPlan:
    action: str  # create | update | replace | delete | none
    body: dict = None
    changes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def changed(self):
        return self.action != "none"

    def describe(self):
        return ["{0}: {1} → {2}".format(c.field, _show(c.before), _show(c.after)) for c in self.changes]


def _show(value):
    return "(unset)" if value is None else value


def validate_spec(spec, state="present", name=None):
    """All problems with the requested extension, each '<option>: <reason> (rule <id>)' (empty list = valid).

    name(option) -> the name to report (a role reports its own variable names); the rules are azure_inputs' and
    k8s_inputs', the same the roles and playbooks/validate.yml apply.
    """
    name = name or (lambda option: option)
    errors = []
    rules.check(errors, name("resource_group"), spec.resource_group, azure.resource_group)
    rules.check(errors, name("cluster_name"), spec.cluster_name, azure.cluster_name)
    if spec.name is not None or state == "present":
        rules.check(errors, name("name"), spec.name, azure.extension_name)
    rules.check_choice(errors, name("cluster_type"), spec.cluster_type, tuple(CLUSTER_PROVIDERS))
    if state != "present":
        return errors
    errors.extend(_release_errors(spec, name))
    errors.extend(_namespace_errors(spec, name))
    errors.extend(_settings_errors(spec, name))
    return errors


def _release_errors(spec, name):
    """Which extension and which release of it: a type is required, and a pinned version does not auto-upgrade."""
    errors = []
    if not spec.extension_type:
        errors.append(rules.message(name("extension_type"), "is required with state=present", "required"))
    else:
        rules.check(errors, name("extension_type"), spec.extension_type, azure.extension_type)
    if spec.version:
        rules.check(errors, name("version"), spec.version, common.semantic_version)
    if spec.release_train:
        rules.check(errors, name("release_train"), spec.release_train, azure.release_train)
    if spec.auto_upgrade_mode is not None:
        rules.check_choice(errors, name("auto_upgrade_mode"), spec.auto_upgrade_mode, AUTO_UPGRADE_MODES)
    if spec.version and spec.auto_upgrade_minor_version:
        errors.append(
            rules.message(
                name("auto_upgrade_minor_version"),
                "must be false when version pins the extension (ARM rejects both)",
                "exclusive",
            )
        )
    return errors


def _namespace_errors(spec, name):
    """scope=cluster takes release_namespace, scope=namespace takes (and needs) target_namespace."""
    errors = []
    if spec.scope == "cluster" and spec.target_namespace:
        errors.append(
            rules.message(
                name("target_namespace"),
                "belongs to scope=namespace; use release_namespace with scope=cluster",
                "exclusive",
            )
        )
    if spec.release_namespace and spec.scope != "cluster":
        # az k8s-extension refuses --release-namespace unless --scope is cluster (__validate_scope_and_namespace).
        errors.append(
            rules.message(
                name("release_namespace"),
                "needs scope=cluster (with scope={0} use target_namespace)".format(spec.scope or "unset"),
                "exclusive",
            )
        )
    if spec.scope == "namespace" and not spec.target_namespace:
        errors.append(rules.message(name("target_namespace"), "is required with scope=namespace", "required"))
    for option, value in (("release_namespace", spec.release_namespace), ("target_namespace", spec.target_namespace)):
        if value:
            rules.check(errors, name(option), value, k8s.dns_label)
    return errors


def _settings_errors(spec, name):
    """Configuration settings (protected ones are secrets), their policy, and the identity."""
    errors = []
    azure.check_settings(errors, name("configuration_settings"), spec.configuration_settings)
    azure.check_settings(
        errors, name("configuration_protected_settings"), spec.configuration_protected_settings, secret=True
    )
    rules.check_choice(
        errors, name("protected_settings_policy"), spec.protected_settings_policy, PROTECTED_SETTINGS_POLICIES
    )
    if spec.identity not in (None, "SystemAssigned"):
        errors.append(rules.message(name("identity"), "must be SystemAssigned (or unset)", "choice"))
    return errors


def cluster_path(subscription_id, resource_group, cluster_type, cluster_name):
    return "/subscriptions/{0}/resourceGroups/{1}/providers/{2}/{3}/{4}".format(
        subscription_id, resource_group, CLUSTER_PROVIDERS[cluster_type], cluster_type, cluster_name
    )


def extensions_path(subscription_id, spec):
    return (
        cluster_path(subscription_id, spec.resource_group, spec.cluster_type, spec.cluster_name)
        + "/providers/Microsoft.KubernetesConfiguration/extensions"
    )


def extension_path(subscription_id, spec):
    return extensions_path(subscription_id, spec) + "/" + spec.name


def _scope_body(spec):
    if spec.scope == "namespace":
        return {"namespace": {"targetNamespace": spec.target_namespace}}
    if spec.scope == "cluster" or spec.release_namespace:
        scope = {}
        if spec.release_namespace:
            scope["releaseNamespace"] = spec.release_namespace
        return {"cluster": scope}
    return None


def build_create_body(spec, current=None):
    """PUT body. With `current` (replace), settings we do not own are carried over so the PUT removes nothing.

    `version` goes only with autoUpgradeMinorVersion false: ARM fills `version` on GET of an auto-upgrading extension
    too, and a body with both is refused ("To use 'version', autoUpgradeMinorVersion must be 'false'").
    """
    properties = {"extensionType": spec.extension_type}
    if spec.auto_upgrade is not None:
        properties["autoUpgradeMinorVersion"] = spec.auto_upgrade
    if spec.auto_upgrade_mode:
        properties["autoUpgradeMode"] = spec.auto_upgrade_mode
    if spec.release_train:
        properties["releaseTrain"] = spec.release_train
    if spec.version:
        properties["version"] = spec.version
    scope = _scope_body(spec)
    if current is not None:
        current_properties = current.get("properties") or {}
        scope = current_properties.get("scope") or scope
        for key in ("autoUpgradeMinorVersion", "autoUpgradeMode", "releaseTrain", "version"):
            if key not in properties and current_properties.get(key) is not None:
                properties[key] = current_properties[key]
    if properties.get("autoUpgradeMinorVersion") is not False:
        # Auto-upgrading (true, or unset: the spec's default is true): the version is the service's to choose.
        properties.pop("version", None)
    if scope:
        properties["scope"] = scope
    settings = dict(((current or {}).get("properties") or {}).get("configurationSettings") or {})
    settings.update(spec.configuration_settings or {})
    if settings:
        properties["configurationSettings"] = settings
    if spec.configuration_protected_settings:
        properties["configurationProtectedSettings"] = dict(spec.configuration_protected_settings)
    body = {"properties": properties}
    identity_type = spec.identity or ((current or {}).get("identity") or {}).get("type")
    if identity_type and spec.cluster_type not in CLUSTER_TYPES_WITHOUT_IDENTITY:
        body["identity"] = {"type": identity_type}
    return body


def owned_view(resource, spec):
    """The fields of a resource that `spec` manages, in a stable shape for diff output (no protected values)."""
    if resource is None:
        return {}
    properties = resource.get("properties") or {}
    view = {"extensionType": properties.get("extensionType")}
    if spec.auto_upgrade is not None:
        view["autoUpgradeMinorVersion"] = properties.get("autoUpgradeMinorVersion")
    if spec.auto_upgrade_mode:
        view["autoUpgradeMode"] = properties.get("autoUpgradeMode")
    if spec.release_train:
        view["releaseTrain"] = properties.get("releaseTrain")
    if spec.version:
        view["version"] = properties.get("version")
    if spec.scope or spec.release_namespace:
        view["scope"] = properties.get("scope")
    settings = properties.get("configurationSettings") or {}
    view["configurationSettings"] = dict((key, settings.get(key)) for key in sorted(spec.configuration_settings or {}))
    if spec.sends_identity:
        view["identity"] = (resource.get("identity") or {}).get("type")
    if spec.configuration_protected_settings:
        view["configurationProtectedSettings"] = "(not returned by ARM)"
    return view


def desired_view(spec):
    view = owned_view(build_create_body(spec), spec)
    view["configurationSettings"] = dict(sorted((spec.configuration_settings or {}).items()))
    if spec.configuration_protected_settings:
        view["configurationProtectedSettings"] = "({0} keys, policy {1})".format(
            len(spec.configuration_protected_settings), spec.protected_settings_policy
        )
    return view


def _same_scope(current_scope, wanted_scope):
    if not wanted_scope:
        return True
    current_scope = current_scope or {}
    if "namespace" in wanted_scope:
        return (current_scope.get("namespace") or {}).get("targetNamespace") == wanted_scope["namespace"][
            "targetNamespace"
        ]
    if "cluster" not in current_scope or current_scope.get("namespace"):
        return False
    wanted_namespace = wanted_scope["cluster"].get("releaseNamespace")
    return wanted_namespace is None or (current_scope.get("cluster") or {}).get("releaseNamespace") == wanted_namespace


class ExtensionConflict(AcstorError):
    """The requested extension differs in a field ARM cannot change in place."""


def plan_extension(current, spec, state="present"):
    """What to do to get from `current` (GET result or None) to `spec`."""
    if state == "absent":
        return ExtensionPlan("delete" if current is not None else "none")
    if current is None:
        return ExtensionPlan(
            "create",
            build_create_body(spec),
            [Change("extension", None, "{0} ({1})".format(spec.name, spec.extension_type))],
        )
    properties = current.get("properties") or {}
    if (properties.get("extensionType") or "").lower() != spec.extension_type.lower():
        raise ExtensionConflict(
            "extension {0} exists with extension_type {1}, not {2}; delete it first (state=absent)".format(
                spec.name, properties.get("extensionType"), spec.extension_type
            )
        )
    wanted_scope = _scope_body(spec)
    if not _same_scope(properties.get("scope"), wanted_scope):
        raise ExtensionConflict(
            "extension {0} exists with scope {1}, not {2}; the scope cannot change in place, delete it "
            "first (state=absent)".format(spec.name, properties.get("scope"), wanted_scope)
        )

    changes, patch = _property_changes(properties, spec)
    warnings = _downgrade_warnings(properties, spec)

    if (properties.get("provisioningState") or "").lower() == "failed":
        # A Failed install is retried with a full PUT (what `az k8s-extension update` would also trigger).
        changes.append(Change("provisioningState", "Failed", "(retry)"))
        return ExtensionPlan("replace", build_create_body(spec, current), changes, warnings)
    if spec.sends_identity and (current.get("identity") or {}).get("type") != spec.identity:
        # The patchExtension schema of the 2025-03-01 copy we validate against has no identity (another published
        # variant of the same api-version has it); a full PUT that keeps everything else is valid under both.
        changes.append(Change("identity.type", (current.get("identity") or {}).get("type"), spec.identity))
        return ExtensionPlan("replace", build_create_body(spec, current), changes, warnings)
    if not changes:
        return ExtensionPlan("none")
    return ExtensionPlan("update", {"properties": patch}, changes, warnings)


def _downgrade_warnings(properties, spec):
    """Refuse (ExtensionConflict) a version change the release notes make fail; else the warnings to show."""
    if not spec.version or properties.get("version") == spec.version:
        return []
    refusal, warning = downgrade_verdict(spec.extension_type, properties.get("version"), spec.version)
    if refusal:
        raise ExtensionConflict("extension {0}: version: {1}".format(spec.name, refusal))
    return [warning] if warning else []


def _property_changes(properties, spec):
    """The changes from the extension's current properties to spec, and the PATCH body that makes them."""
    changes, patch = [], {}
    if spec.auto_upgrade is not None and properties.get("autoUpgradeMinorVersion") != spec.auto_upgrade:
        changes.append(Change("autoUpgradeMinorVersion", properties.get("autoUpgradeMinorVersion"), spec.auto_upgrade))
        patch["autoUpgradeMinorVersion"] = spec.auto_upgrade
    if spec.auto_upgrade_mode and (properties.get("autoUpgradeMode") or "").lower() != spec.auto_upgrade_mode:
        changes.append(Change("autoUpgradeMode", properties.get("autoUpgradeMode"), spec.auto_upgrade_mode))
        patch["autoUpgradeMode"] = spec.auto_upgrade_mode
    if spec.release_train and (properties.get("releaseTrain") or "").lower() != spec.release_train.lower():
        changes.append(Change("releaseTrain", properties.get("releaseTrain"), spec.release_train))
        patch["releaseTrain"] = spec.release_train
    if spec.version and properties.get("version") != spec.version:
        changes.append(Change("version", properties.get("version"), spec.version))
        patch["version"] = spec.version
        patch["autoUpgradeMinorVersion"] = False
    current_settings = properties.get("configurationSettings") or {}
    changed_settings = {}
    for key, value in sorted((spec.configuration_settings or {}).items()):
        if current_settings.get(key) != value:
            changes.append(Change("configurationSettings." + key, current_settings.get(key), value))
            changed_settings[key] = value
    if changed_settings:
        patch["configurationSettings"] = changed_settings
    if spec.configuration_protected_settings and spec.protected_settings_policy == "always":
        # ARM never returns protected settings, so "always" cannot compare: it re-sends all of them (and an omitted
        # key would be deleted by the service), which is reported as a change every run.
        changes.append(
            Change(
                "configurationProtectedSettings",
                "(not returned by ARM)",
                "({0} keys re-sent)".format(len(spec.configuration_protected_settings)),
            )
        )
        patch["configurationProtectedSettings"] = dict(spec.configuration_protected_settings)
    return changes, patch


def extension_failure(resource):
    """Human-readable reason a Failed extension failed: errorInfo plus Error-level statuses."""
    properties = (resource or {}).get("properties") or {}
    reasons = []
    error = properties.get("errorInfo") or {}
    if error:
        reasons.append("{0}: {1}".format(error.get("code", "Error"), error.get("message", "")))
        for detail in error.get("details") or []:
            reasons.append("{0}: {1}".format(detail.get("code", ""), detail.get("message", "")))
    for status in properties.get("statuses") or []:
        if (status.get("level") or "").lower() == "error":
            reasons.append("{0}: {1}".format(status.get("code", ""), status.get("message", "")))
    return "; ".join(reasons) or "no error details returned"


def principal_id(resource):
    """The extension's principal: identity.principalId, or properties.aksAssignedIdentity.principalId on AKS."""
    resource = resource or {}
    return (resource.get("identity") or {}).get("principalId") or (
        ((resource.get("properties") or {}).get("aksAssignedIdentity") or {}).get("principalId")
    )


def operation_in_progress(resource):
    """provisioningState when an operation is running on the extension (writes now would conflict), else None."""
    state = ((resource or {}).get("properties") or {}).get("provisioningState") or ""
    return state if state.lower() in IN_PROGRESS_STATES else None
