"""Secrets at -vvv with --diff: every secret-bearing option set (Azure client secret as an option and from the
environment, protected extension settings, Kubernetes bearer token and password, the arc role's secret);
no secret, token or protected value may appear in the output, the registered results or any file the run leaves,
and a file that holds one must be mode 0600."""

import os
import stat

from conftest import SUBSCRIPTION, case_block

PROTECTED = "Pr0tected-Setting-7f3a"
API_KEY = "k8s-Bearer-Token-91c2"
PASSWORD = "k8s-Passw0rd-55d1"


def test_no_secret_in_output_results_or_files(local_play, arm, kube, tmp_path):
    cluster = kube(edge_api="current")
    env = arm.client_env(SUBSCRIPTION)
    client_secret = env.pop("AZURE_SECRET")
    client_id, tenant = env.pop("AZURE_CLIENT_ID"), env.pop("AZURE_TENANT")
    remote_tmp, local_tmp = tmp_path / "remote-tmp", tmp_path / "local-tmp"
    env.update(ANSIBLE_REMOTE_TMP=str(remote_tmp), ANSIBLE_LOCAL_TEMP=str(local_tmp), ANSIBLE_KEEP_REMOTE_FILES="0")
    # Ansible's own strategy, as most users run it, whatever the suite runs with (run_all: mitogen)
    env.update(ANSIBLE_STRATEGY="linear")
    k8s_auth = {"host": cluster.url, "api_key": API_KEY, "validate_certs": False}
    azure = {"client_id": client_id, "secret": client_secret, "tenant": tenant}
    extension = dict(
        azure,
        resource_group="rg-edge",
        cluster_name="store-1",
        name="acsa",
        extension_type="microsoft.arc.containerstorage",
    )
    blocks = [
        case_block(
            "extension with secrets",
            [
                {
                    "name": "extension",
                    "register": "case_result",
                    "diff": True,
                    "acstor.edge.arc_extension": dict(
                        extension, configuration_protected_settings={"storageKey": PROTECTED}
                    ),
                }
            ],
        ),
        case_block(
            "extension again, protected change",
            [
                {
                    "name": "extension",
                    "register": "case_result",
                    "acstor.edge.arc_extension": dict(
                        extension,
                        protected_settings_policy="always",
                        configuration_protected_settings={"storageKey": PROTECTED + "-2"},
                    ),
                }
            ],
        ),
        case_block(
            "role assignment",
            [
                {
                    "name": "assignment",
                    "register": "case_result",
                    "acstor.edge.arm_role_assignment": dict(
                        azure,
                        **{
                            "scope": "/subscriptions/%s/resourceGroups/rg-edge" % SUBSCRIPTION,
                            "principal_id": "00000000-0000-0000-0000-0000000000cc",
                            "principal_wait_timeout": 5,
                            "role_definition_name": "Storage Blob Data Owner",
                        },
                    ),
                }
            ],
        ),
        case_block(
            "storage config with token",
            [
                {
                    "name": "config",
                    "register": "case_result",
                    "diff": True,
                    "acstor.edge.edge_storage_config": dict(
                        k8s_auth, wait=False, default_disk_storage_classes=["default"]
                    ),
                }
            ],
        ),
        case_block(
            "edge volumes role with token and password",
            [
                {
                    "name": "role",
                    "ansible.builtin.include_role": {"name": "acstor.edge.edge_volumes"},
                    "vars": {
                        "edge_volumes_k8s_auth": dict(k8s_auth, password=PASSWORD, username="admin"),
                        "edge_volumes_list": [{"name": "scratch", "kind": "local_shared", "size": "2Gi"}],
                        "edge_volumes_wait_sleep": 1,
                        "edge_volumes_wait_timeout": 20,
                    },
                }
            ],
        ),
    ]
    table, output = local_play.run(blocks, env=env, verbosity=3, diff=True)
    assert arm.state.issued_tokens, "the service-principal flow did not run"
    for name in (
        "extension with secrets",
        "extension again, protected change",
        "storage config with token",
        "edge volumes role with token and password",
    ):
        assert not table[name]["failed"], (name, table[name])
    secrets = [client_secret, PROTECTED, PROTECTED + "-2", API_KEY, PASSWORD] + arm.state.issued_tokens
    leaks = [s for s in secrets if s in output]
    assert not leaks, "secrets in -vvv output: %s" % leaks
    assert "Bearer " + API_KEY not in output
    text = repr(table)
    assert not [s for s in secrets if s in text], "secrets in registered results"
    # the calls really carried the secrets: the server got the protected settings
    bodies = arm.state.bodies("PUT", "/extensions/acsa")
    assert bodies and bodies[0]["properties"]["configurationProtectedSettings"] == {"storageKey": PROTECTED}
    # files the run left behind: none in Ansible's temp dirs; any holding a secret is 0600
    leftovers = [p for d in (remote_tmp, local_tmp) if d.exists() for p in d.rglob("*") if p.is_file()]
    assert leftovers == [], leftovers
    home = os.path.expanduser("~/.ansible/tmp")
    scan = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("play-")]
    if os.path.isdir(home):
        scan += [
            p
            for p in __import__("pathlib").Path(home).rglob("*")
            if p.is_file() and p.stat().st_mtime >= tmp_path.stat().st_mtime
        ]
    for path in scan:
        try:
            content = path.read_text(errors="ignore")
        except OSError:
            continue
        holding = [s for s in secrets if s in content]
        if holding:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == 0o600, "%s holds a secret with mode %o" % (path, mode)
