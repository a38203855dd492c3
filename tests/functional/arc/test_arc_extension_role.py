"""acstor.edge.arc_extension role against the ARM test server: skip, install order, idempotence, workload identity, teardown."""

import json

from arm_server import SUBSCRIPTION  # tests/servers is put on sys.path by the arc conftest

RG, CLUSTER = "rg-edge", "store-0042"
ACCOUNTS = [
    "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Storage/storageAccounts/{2}".format(
        SUBSCRIPTION, RG, name
    )
    for name in ("edgeingest", "edgemirror")
]


def role_task(extra_vars="", tasks_from="main"):
    return """
- name: Arc extension role
  ansible.builtin.include_role:
    name: acstor.edge.arc_extension
    tasks_from: {tasks_from}
  vars:
    arc_extension_resource_group: {rg}
    arc_extension_cluster_name: {cluster}
    arc_extension_wait_timeout: 60
    arc_extension_storage_account_ids: {accounts}
{extra}""".format(tasks_from=tasks_from, rg=RG, cluster=CLUSTER, accounts=ACCOUNTS, extra=extra_vars)


def write_paths(state):
    return [(r["method"], r["path"].split("/providers/", 2)[-1]) for r in state.writes()]


def test_role_skips_with_one_line_without_azure_settings(arm_server, playbook):
    tasks = """
- name: Arc extension role
  ansible.builtin.include_role:
    name: acstor.edge.arc_extension
"""
    rc, results, output = playbook.run(tasks, unset_env=("AZURE_SUBSCRIPTION_ID",), text=True)
    assert rc == 0, output
    skip_lines = [line for line in output.splitlines() if "arc_extension skipped on localhost" in line]
    assert len(skip_lines) == 1, output
    assert "AZURE_SUBSCRIPTION_ID" in skip_lines[0] and "arc_extension_resource_group" in skip_lines[0]
    assert arm_server.state.requests == []


def test_role_installs_in_order_and_is_idempotent(arm_server, playbook):
    arm_server.state.principal_replication_failures = 1  # first role assignment meets PrincipalNotFound
    rc, _results, output = playbook.run(role_task())
    assert rc == 0, output
    state = arm_server.state
    extensions = {r["name"]: r for r in state.extensions.values()}
    assert sorted(extensions) == ["aio-certmgr", "azure-arc-containerstorage"]
    certmgr = extensions["aio-certmgr"]["properties"]
    assert certmgr["extensionType"] == "microsoft.iotoperations.platform"
    assert certmgr["scope"] == {"cluster": {"releaseNamespace": "cert-manager"}}
    assert certmgr["configurationSettings"] == {"installCertManager": "true", "installTrustManager": "true"}
    acsa = extensions["azure-arc-containerstorage"]
    assert acsa["properties"]["version"] == "2.12.0" and acsa["properties"]["autoUpgradeMinorVersion"] is False
    assert acsa["properties"].get("configurationSettings") in (None, {}), (
        "the documented flow: no storage-configuration settings"
    )
    principal = acsa["identity"]["principalId"]
    assigned = sorted(
        a["properties"]["scope"] for a in state.role_assignments.values() if a["properties"]["principalId"] == principal
    )
    assert assigned == sorted(ACCOUNTS)
    order = [
        path.split("/")[-2] if "roleAssignments" in path else path.rsplit("/", 1)[-1]
        for _method, path in write_paths(state)
    ]
    assert order[:2] == ["aio-certmgr", "azure-arc-containerstorage"]
    assert set(order[2:]) == {"roleAssignments"} and len(order[2:]) == 3  # one PrincipalNotFound retry
    writes_before = len(state.writes())
    requests_before = len(state.requests)

    rc, _results, output = playbook.run(role_task())
    assert rc == 0, output
    assert len(state.writes()) == writes_before, write_paths(state)[writes_before:]
    # issue 17: a no-op reads the cluster's extension list, then the module reads the extension it decides on; the
    # role no longer reads it again before and after the module
    reads = [
        r["path"].rsplit("/", 1)[-1]
        for r in state.requests[requests_before:]
        if r["method"] == "GET" and "/Microsoft.KubernetesConfiguration/extensions" in r["path"]
    ]
    assert reads == ["extensions", "azure-arc-containerstorage"], reads
    assert state.violations == []


def test_role_keeps_existing_cert_manager_and_workload_identity_then_teardown(arm_server, playbook):
    state = arm_server.state
    state.add_cluster(SUBSCRIPTION, RG, CLUSTER)
    existing = (
        "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Kubernetes/connectedClusters/{2}/providers/"
        "Microsoft.KubernetesConfiguration/extensions/azure-cert-management"
    ).format(SUBSCRIPTION, RG, CLUSTER)
    state.extensions[existing.lower()] = {
        "id": existing,
        "name": "azure-cert-management",
        "properties": {"extensionType": "Microsoft.CertManagement", "provisioningState": "Succeeded"},
    }
    workload = """    arc_extension_identity_mode: workload
    arc_extension_oidc_issuer_url: https://oidc.example/store-0042
    arc_extension_workload_identity_location: westeurope
"""
    rc, results, output = playbook.run(role_task(workload))
    assert rc == 0, output
    assert sorted(r["name"] for r in state.extensions.values()) == [
        "azure-arc-containerstorage",
        "azure-cert-management",
    ]
    identity_key = next(iter(state.identities))
    assert identity_key.endswith("/acsa-store-0042")
    assert state.identities[identity_key]["tags"] == {"acstor.edge.owned-by": "arc_extension"}  # ours, for teardown
    subjects = sorted(c["properties"]["subject"] for c in state.federated[identity_key].values())
    assert subjects == [
        "system:serviceaccount:azure-arc-containerstorage:csi-wyvern-sa",
        "system:serviceaccount:azure-arc-containerstorage:wyvern-operator-sa",
        "system:serviceaccount:azure-arc-containerstorage:wyvern-pv-sa",
    ]
    assert all(
        c["properties"]["audiences"] == ["api://AzureADTokenExchange"] for c in state.federated[identity_key].values()
    )
    principal = state.identities[identity_key]["properties"]["principalId"]
    assert sorted(
        a["properties"]["scope"] for a in state.role_assignments.values() if a["properties"]["principalId"] == principal
    ) == sorted(ACCOUNTS)

    start = len(state.writes())
    rc, _results, output = playbook.run(role_task(workload, tasks_from="teardown"))
    assert rc == 0, output
    removed = [
        (method, path.rsplit("/", 2)[-2] if "roleAssignments" in path else path.rsplit("/", 1)[-1])
        for method, path in write_paths(state)[start:]
    ]
    # the identity's role assignments first (they outlived it before), then the extension, then the identity
    assert removed == [("DELETE", "roleAssignments")] * len(ACCOUNTS) + [
        ("DELETE", "azure-arc-containerstorage"),
        ("DELETE", "acsa-store-0042"),
    ], removed
    assert [a for a in state.role_assignments.values() if a["properties"]["principalId"] == principal] == []
    assert sorted(r["name"] for r in state.extensions.values()) == ["azure-cert-management"]  # not ours: kept
    assert state.identities == {}
    assert state.violations == []


WORKLOAD = """    arc_extension_identity_mode: workload
    arc_extension_oidc_issuer_url: https://oidc.example/store-0042
    arc_extension_workload_identity_location: westeurope
"""
OUR_CREDENTIALS = ["acsa-csi-fed", "acsa-operator-fed", "acsa-pv-fed"]


def test_teardown_leaves_an_identity_someone_else_created_with_its_own_credentials(arm_server, playbook):
    state = arm_server.state
    key = state.add_identity(
        SUBSCRIPTION,
        RG,
        "acsa-store-0042",
        tags={"team": "platform"},
        federated={
            "gitops-fed": {
                "issuer": "https://oidc.example/store-0042",
                "subject": "system:serviceaccount:flux-system:kustomize",
                "audiences": ["api://AzureADTokenExchange"],
            }
        },
    )
    principal = state.identities[key]["properties"]["principalId"]
    rc, _results, output = playbook.run(role_task(WORKLOAD))
    assert rc == 0, output
    assert sorted(state.federated[key]) == sorted(OUR_CREDENTIALS + ["gitops-fed"])
    assert state.identities[key]["tags"] == {"team": "platform"}, "an identity we did not create is not marked ours"
    assert not [r for r in state.writes() if r["method"] == "PUT" and r["path"].lower().endswith("/acsa-store-0042")]

    # check mode with --diff: says what it would remove, writes nothing
    writes = len(state.writes())
    rc, results, output = playbook.run(role_task(WORKLOAD, tasks_from="teardown"), check=True, diff=True)
    assert rc == 0, output
    assert len(state.writes()) == writes, write_paths(state)[writes:]
    planned = next(r for name, r in results.items() if "Remove the workload identity if" in name)
    assert planned.get("changed") and planned.get("owned") is False, planned
    assert planned["diff"]["before"]["federated_credentials"] == sorted(OUR_CREDENTIALS + ["gitops-fed"])
    assert planned["diff"]["after"]["federated_credentials"] == ["gitops-fed"]
    assert not [a for a in planned["actions"] if a.startswith("delete identity")], planned["actions"]

    rc, _results, output = playbook.run(role_task(WORKLOAD, tasks_from="teardown"))
    assert rc == 0, output
    assert key in state.identities and state.identities[key]["tags"] == {"team": "platform"}
    assert sorted(state.federated[key]) == ["gitops-fed"]  # theirs stays, ours are gone
    assert not [
        r for r in state.writes()[writes:] if r["method"] == "DELETE" and r["path"].lower().endswith("/acsa-store-0042")
    ]
    assert [a for a in state.role_assignments.values() if a["properties"]["principalId"] == principal] == []
    assert state.violations == []

    # a second teardown finds nothing of ours left
    writes = len(state.writes())
    rc, results, output = playbook.run(role_task(WORKLOAD, tasks_from="teardown"))
    assert rc == 0, output
    assert len(state.writes()) == writes, write_paths(state)[writes:]


def test_teardown_deletes_the_identity_it_created_and_check_mode_only_plans_it(arm_server, playbook):
    state = arm_server.state
    rc, results, output = playbook.run(role_task(WORKLOAD), check=True, diff=True)
    assert rc == 0, output
    assert state.writes() == [] and state.identities == {}
    planned = next(r for name, r in results.items() if "User-assigned identity with the three" in name)
    assert planned["diff"]["before"] == {}
    assert planned["diff"]["after"] == {
        "name": "acsa-store-0042",
        "tags": {"acstor.edge.owned-by": "arc_extension"},
        "federated_credentials": OUR_CREDENTIALS,
    }

    rc, _results, output = playbook.run(role_task(WORKLOAD))
    assert rc == 0, output
    key = next(iter(state.identities))
    writes = len(state.writes())
    rc, results, output = playbook.run(role_task(WORKLOAD, tasks_from="teardown"), check=True, diff=True)
    assert rc == 0, output
    assert len(state.writes()) == writes and key in state.identities
    planned = next(r for name, r in results.items() if "Remove the workload identity if" in name)
    assert planned["owned"] is True and planned["actions"] == ["delete identity acsa-store-0042"]
    assert planned["diff"]["after"] == {}

    rc, _results, output = playbook.run(role_task(WORKLOAD, tasks_from="teardown"))
    assert rc == 0, output
    assert state.identities == {} and state.federated == {} and state.role_assignments == {}
    assert state.violations == []


def converge_rerun_teardown(arm_server, playbook, extra_vars, cluster_type="connectedClusters"):
    """converge → rerun (no write) → teardown (no extension or role assignment left); returns the converge writes."""
    state = arm_server.state
    rc, _results, output = playbook.run(role_task(extra_vars))
    assert rc == 0, output
    converge = write_paths(state)
    rc, results, output = playbook.run(role_task(extra_vars))
    assert rc == 0, output
    assert write_paths(state) == converge, write_paths(state)[len(converge) :]
    assert not [r for r in results.values() if r.get("changed")], output[-3000:]
    rc, _results, output = playbook.run(role_task(extra_vars, tasks_from="teardown"))
    assert rc == 0, output
    assert [r["name"] for r in state.extensions.values() if r["name"] == "azure-arc-containerstorage"] == []
    assert state.role_assignments == {}
    assert all(("/" + cluster_type + "/") in r["path"] for r in state.writes() if "/extensions/" in r["path"])
    assert state.violations == []
    return converge


def test_role_with_an_auto_upgrading_extension_converges_reruns_clean_and_tears_down(arm_server, playbook):
    auto = """    arc_extension_version: ""
    arc_extension_auto_upgrade: true
    arc_extension_auto_upgrade_mode: patch
"""
    converge_rerun_teardown(arm_server, playbook, auto)
    bodies = arm_server.state.bodies("PUT", "/extensions/azure-arc-containerstorage")
    assert bodies and all("version" not in body["properties"] for body in bodies)
    assert bodies[0]["properties"]["autoUpgradeMode"] == "patch"


def test_role_when_the_extension_is_updating_as_the_run_starts(arm_server, playbook):
    state = arm_server.state
    state.behaviour.lro_polls = 2
    cluster = "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Kubernetes/connectedClusters/{2}".format(
        SUBSCRIPTION, RG, CLUSTER
    )
    state.add_extension(
        cluster,
        "azure-arc-containerstorage",
        {
            "extensionType": "microsoft.arc.containerstorage",
            "autoUpgradeMinorVersion": False,
            "version": "2.12.0",
            "releaseTrain": "stable",
            "scope": {"cluster": {"releaseNamespace": "azure-arc-containerstorage"}},
            "configurationSettings": {"edgeStorageConfiguration.create": "true"},
        },
        identity={"type": "SystemAssigned"},
        in_progress="Updating",
    )
    # a setting the extension lacks, so the converge must write, and only after the operation has settled
    settings = """    arc_extension_settings:
      feature.diskStorageClass: default,local-path
"""
    converge_rerun_teardown(arm_server, playbook, settings)
    patches = state.bodies("PATCH", "/extensions/azure-arc-containerstorage")
    assert patches == [{"properties": {"configurationSettings": {"feature.diskStorageClass": "default,local-path"}}}]


def test_role_on_a_managed_cluster_uses_the_aks_assigned_principal(arm_server, playbook):
    aks = "    arc_extension_cluster_type: managedClusters\n"
    converge_rerun_teardown(arm_server, playbook, aks, cluster_type="managedClusters")
    state = arm_server.state
    bodies = state.bodies("PUT", "/extensions/azure-arc-containerstorage")
    assert bodies and all("identity" not in body for body in bodies)
    # the role assignments went to the principal AKS assigned (and were removed again by teardown)
    assigned = [r for r in state.requests if r["method"] == "PUT" and "roleAssignments" in r["path"]]
    principals = {json.loads(r["body"])["properties"]["principalId"] for r in assigned if r["body"]}
    assert len(principals) == 1 and principals <= state.known_principals


def test_teardown_keeps_a_role_assignment_someone_else_made_for_a_foreign_identity(arm_server, playbook):
    """Issue 21: teardown removed every Blob role assignment of the workload identity on the listed accounts, also one
    that was there before the role ran. Only the assignments the role created (their description carries the
    ownership marker) go."""
    state = arm_server.state
    key = state.add_identity(SUBSCRIPTION, RG, "acsa-store-0042", tags={"team": "platform"})
    principal = state.identities[key]["properties"]["principalId"]
    theirs = state.add_role_assignment(
        ACCOUNTS[0], "Storage Blob Data Owner", principal, description="platform team: ingest"
    )
    rc, _results, output = playbook.run(role_task(WORKLOAD))
    assert rc == 0, output
    mine = [
        a
        for a in state.role_assignments.values()
        if a["properties"]["principalId"] == principal and a["name"] != theirs
    ]
    # The existing assignment on the first account is enough there and is not re-marked; the second is ours, marked.
    assert [a["properties"]["scope"] for a in mine] == [ACCOUNTS[1]]
    assert mine[0]["properties"]["description"] == "acstor.edge.owned-by=arc_extension"
    theirs_key = "{0}/{1}".format(ACCOUNTS[0].lower(), theirs)
    assert state.role_assignments[theirs_key]["properties"]["description"] == "platform team: ingest"

    rc, results, output = playbook.run(role_task(WORKLOAD, tasks_from="teardown"))
    assert rc == 0, output
    left = [a for a in state.role_assignments.values() if a["properties"]["principalId"] == principal]
    assert [a["name"] for a in left] == [theirs], left
    assert key in state.identities and state.identities[key]["tags"] == {"team": "platform"}
    assert state.violations == []
