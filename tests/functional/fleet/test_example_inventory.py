# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""inventories/example as a user copies it: the installed collection's playbooks, no extra vars, no node reached.

- playbooks/validate.yml passes with no error and no warning (the rules include "a node running local_csi whose
  stripes take every local disk" and "a cloud volume whose identity gets no Blob role");
- for each site group, the rollout plan of `rollout_clusters: <site>` (as examples/ansiblejob-rollout.yml sets it)
  targets that site's cluster and its nodes: the first play of playbooks/rollout.yml (the acstor.edge.rollout
  role's entry point) runs on localhost only, so nothing connects to a node or a cluster.
"""

import json

import pytest
import yaml

from acstor_testlib import COLLECTIONS_DIR, REPO_ROOT, ansible_environment, run_playbook

EXAMPLE = REPO_ROOT / "inventories" / "example"
PLAYBOOKS = COLLECTIONS_DIR / "ansible_collections" / "acstor" / "edge" / "playbooks"
HOSTS = yaml.safe_load((EXAMPLE / "hosts.yml").read_text())["all"]["children"]
SITES = sorted(name for name in HOSTS if name.startswith("site_"))


def _playbook(*args):
    env = ansible_environment(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    proc = run_playbook(["-i", str(EXAMPLE), *args], env)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_example_has_one_site_per_kind():
    clusters = set(HOSTS["edge_clusters"]["hosts"])
    for site in SITES:
        assert len(clusters & set(HOSTS[site]["hosts"])) == 1, site
    kinds = {}
    for site in SITES:
        group_vars = yaml.safe_load((EXAMPLE / "group_vars" / (site + ".yml")).read_text())
        kinds[site] = (
            tuple(group_vars["acstor_edge_products"]),
            tuple(s.get("mode", "volume") for s in group_vars.get("nvme_stripe_list", [])),
        )
    assert ("edge_volumes",) in [kind[0] for kind in kinds.values()]
    assert any(products == ("local_csi",) and modes == ("volume",) for products, modes in kinds.values())
    assert any(products == ("local_csi",) and "csi_vg" in modes for products, modes in kinds.values())
    # the bare-metal site: a model that is not an Azure/AWS local NVMe model, listed for the node roles and the driver
    assert any(
        "acstor_edge_nvme_models_extra" in yaml.safe_load(path.read_text())
        for path in (EXAMPLE / "group_vars").glob("site_*.yml")
    )


def test_validate_passes_as_written():
    rc, output = _playbook(str(PLAYBOOKS / "validate.yml"))
    assert rc == 0, output[-3000:]
    # the warnings task is skipped: no warning either
    assert "skipping: [localhost]" in output.split("Show inventory warnings", 1)[1].split("TASK", 1)[0], output[-3000:]


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """{site: the rollout plan of rollout_clusters=<site>}, from one ansible-playbook run."""
    tmp = tmp_path_factory.mktemp("plan")
    rollout = yaml.safe_load((PLAYBOOKS / "rollout.yml").read_text())
    first = rollout[0]
    assert first["hosts"] == "localhost"
    assert first["tasks"][0]["ansible.builtin.include_role"]["name"] == "acstor.edge.rollout"
    plays = []
    for site in SITES:
        # The first play of playbooks/rollout.yml with the site as its clusters, then the plan written out.
        play = dict(first, name="plan " + site, vars={"rollout_clusters": site})
        play["tasks"] = first["tasks"] + [
            {
                "name": "write the plan",
                "ansible.builtin.copy": {
                    "content": "{{ rollout_plan | to_json }}",
                    "dest": str(tmp / (site + ".json")),
                    "mode": "0600",
                },
            }
        ]
        plays.append(play)
    (tmp / "plan.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
    rc, output = _playbook(str(tmp / "plan.yml"))
    assert rc == 0, output[-3000:]
    return {site: json.loads((tmp / (site + ".json")).read_text()) for site in SITES}


@pytest.mark.parametrize("site", SITES)
def test_rollout_clusters_site_selects_the_site(site, plans):
    plan = plans[site]
    members = set(HOSTS[site]["hosts"])
    cluster = members & set(HOSTS["edge_clusters"]["hosts"])
    nodes = members & set(HOSTS["edge_nodes"]["hosts"])
    assert nodes, site
    assert plan["targets"]["clusters"] == sorted(cluster)
    assert [c for batch in plan["batches"] for c in batch] == sorted(cluster)
    assert sorted(n for batch in plan["batch_nodes"] for n in batch) == sorted(nodes)
