"""The AWX kubeconfig credential type of docs/awx.md, as a job would see it, under ansible-runner.

AWX renders a credential type's injectors before the job: `file.template` into a file in the job's private data
directory, `env` into the job's environment with `tower.filename` naming that file. This test renders the two blocks
from docs/awx.md the same way (Jinja2 sandbox, the fields of one credential), hands the result to ansible-runner, and
runs playbooks/clusters.yml (tag edge_volumes) for two clusters, each behind its own Kubernetes API test double. The
group_vars block of docs/awx.md picks each cluster's context from the one injected kubeconfig; each test double must
receive exactly its own cluster's volume.
"""

import re
import stat
import sys
from pathlib import Path

import ansible_runner
import yaml
from jinja2.sandbox import SandboxedEnvironment

REPO = Path(__file__).resolve().parents[3]
if str(REPO / "tests" / "servers") not in sys.path:
    sys.path.insert(0, str(REPO / "tests" / "servers"))

from kube_server import KubeTestServer  # noqa: E402  pylint: disable=wrong-import-position

CLUSTERS = ("store-0042", "plant-0003")


def awx_doc_blocks():
    """The YAML blocks of docs/awx.md, keyed by their first comment line."""
    text = (REPO / "docs" / "awx.md").read_text()
    return dict(
        (block.splitlines()[0].lstrip("# ").strip(), yaml.safe_load(block))
        for block in re.findall(r"```yaml\n(.*?)```", text, re.S)
        if block.startswith("#")
    )


def merged_kubeconfig(servers):
    """One kubeconfig with a context per cluster, named like the inventory host."""
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": CLUSTERS[0],
            "clusters": [{"name": name, "cluster": {"server": server.url}} for name, server in servers.items()],
            "users": [{"name": name, "user": {"token": "token-" + name}} for name in servers],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}} for name in servers],
        }
    )


def inject(credential_type, inputs, private_data_dir):
    """What AWX does with a custom credential type's injectors before it starts the job."""
    env = SandboxedEnvironment()
    injectors = credential_type["injectors"]
    path = Path(private_data_dir) / "env" / "tmp_acstor_kubeconfig"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(env.from_string(injectors["file"]["template"]).render(**inputs))
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    context = dict(inputs, tower={"filename": str(path)})
    return dict((name, env.from_string(value).render(**context)) for name, value in injectors["env"].items())


def test_injected_kubeconfig_reaches_each_cluster_of_a_job(tmp_path, ansible_env):
    blocks = awx_doc_blocks()
    credential_type = {"inputs": blocks["Input configuration"], "injectors": blocks["Injector configuration"]}
    assert [f["id"] for f in credential_type["inputs"]["fields"]] == ["kubeconfig"]
    assert all(f.get("secret") for f in credential_type["inputs"]["fields"]), (
        "the kubeconfig holds tokens: a secret field"
    )
    group_vars = blocks["group_vars/edge_clusters.yml"]

    servers = dict((name, KubeTestServer(edge_api="current").start()) for name in CLUSTERS)
    try:
        private = tmp_path / "runner"
        envvars = inject(credential_type, {"kubeconfig": merged_kubeconfig(servers)}, private)
        assert list(envvars) == ["ACSTOR_EDGE_KUBECONFIG"]
        inventory = {
            "edge_clusters": {
                "vars": group_vars,
                "hosts": dict(
                    (
                        name,
                        {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable,
                            "acstor_edge_cluster_phases": ["edge_volumes"],
                            "edge_volumes_list": [{"name": "cache-" + name, "kind": "local_shared", "size": "1Gi"}],
                            "edge_volumes_wait_sleep": 1,
                            "edge_volumes_wait_timeout": 30,
                        },
                    )
                    for name in CLUSTERS
                ),
            },
            "edge_nodes": {"hosts": {}},
        }
        (private / "inventory").mkdir(parents=True)
        (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
        base = ansible_env()
        runner_env = dict(
            (k, base[k]) for k in ("PATH", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_CONFIG", "ANSIBLE_NOCOLOR")
        )
        result = ansible_runner.run(
            private_data_dir=str(private),
            playbook="acstor.edge.clusters",
            tags="edge_volumes",
            envvars=dict(runner_env, **envvars),
            quiet=True,
            timeout=300,
        )
        output = result.stdout.read()
        assert result.rc == 0 and result.status == "successful", output[-6000:]
    finally:
        for server in servers.values():
            server.stop()

    for name, server in servers.items():
        claims = [(w["method"], w["kind"]) for w in server.writes()]
        assert claims == [("POST", "EdgeStorageConfiguration"), ("POST", "PersistentVolumeClaim")], (name, claims)
        assert server.find("v1", "PersistentVolumeClaim", "cache-" + name, "default") is not None, name
        other = [c for c in CLUSTERS if c != name][0]
        assert server.find("v1", "PersistentVolumeClaim", "cache-" + other, "default") is None, name
    assert "token-" + CLUSTERS[0] not in output, "the credential's secrets stay out of the job output"
