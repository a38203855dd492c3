"""A small Kubernetes API *test double* for acstor.edge's functional tests. Not a cluster.

It listens on 127.0.0.1 only and keeps objects in memory. What it does:

* discovery: /version, /api, /apis, /api/v1, /apis/<group>/<version> for the kinds the collection uses
  (core, apps, storage, RBAC, admission, the Edge Volumes group in its current and legacy generations);
* namespaced and cluster-scoped CRUD, list with label selectors (=, !=, in, notin, exists) and the
  metadata.name/metadata.namespace/status.phase field selectors, dryRun=All;
* the patch types kubernetes.core and helm send: JSON merge patch, strategic merge patch (approximated:
  merge patch with lists of named items merged by name and $-directives dropped), JSON patch and
  server-side apply (approximated: deep merge of the applied object, create when missing);
* resourceVersion: a global counter, and a stale metadata.resourceVersion in PUT or PATCH gets 409 Conflict;
  generation is bumped when spec changes; status is kept out of main-resource writes like the real server;
* "controllers" that stand in for what a cluster would do, each switchable: PVCs become Bound and get an
  EdgeVolume (state deployed) when their class is one of the extension's, DaemonSets/Deployments report ready,
  the csi-local-node DaemonSet registers the CSIDriver object, MirrorSubvolumes report Connected;
* test hooks: `server.set_status(...)`, `server.requests` (every write, in order), and the same over HTTP at
  /_test/status and /_test/requests; `server.access_log` (every API request, reads and discovery included, as
  method, path and query: what an RBAC check would see); `server.state.add_fault(method, path_contains, status, count)` answers
  matching requests with an error (409, 5xx...) before they reach the store.

The code is in the kube_double package beside this file: resources (the served registry), store (objects,
CRUD, resourceVersion), patches (merge, strategic, JSON patch, apply; shared with the unit tests' fake client),
selectors, protobuf, controllers and server (HTTP). Run it by hand with `python tests/servers/kube_server.py --port 8001 --edge-api current`.
"""

import argparse

from kube_double import KubeTestServer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--edge-api", choices=["current", "legacy", "both", "none"], default="current")
    parser.add_argument("--acstor-v1", action="store_true", help="also serve containerstorage.azure.com/v1 StoragePool")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before simulated controllers act")
    args = parser.parse_args()
    server = KubeTestServer(args.port, edge_api=args.edge_api, acstor_v1=args.acstor_v1, delay=args.delay)
    print("kube test double listening on {0} (Ctrl-C to stop)".format(server.url), flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
