"""Topology files, the cluster-derived topology, and entity resolution from labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kubernetes import client

from opsgraph.tools.alerts.cluster_topology import topology_from_cluster
from opsgraph.tools.alerts.entities import EntityResolver
from opsgraph.tools.alerts.topology import TopologyError, load_topology

DOC = {
    "nodes": [
        {"id": "checkout", "kind": "service"},
        {"id": "db", "kind": "database"},
        {"id": "checkout-0", "kind": "pod"},
        {"id": "n1", "kind": "node"},
    ],
    "edges": [
        {"from": "checkout", "to": "db", "type": "depends_on"},
        {"from": "checkout-0", "to": "checkout", "type": "instance_of"},
        {"from": "checkout-0", "to": "n1", "type": "runs_on"},
    ],
}


def test_json_and_yaml_topologies_load_the_same_graph(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps(DOC))
    yaml_text = "nodes:\n" + "".join(f"  - {{id: {n['id']}, kind: {n['kind']}}}\n" for n in DOC["nodes"])
    yaml_text += "edges:\n" + "".join(
        f"  - {{from: {e['from']}, to: {e['to']}, type: {e['type']}}}\n" for e in DOC["edges"]
    )
    (tmp_path / "t.yaml").write_text(yaml_text)
    for name in ("t.json", "t.yaml"):
        topo = load_topology(tmp_path / name)
        assert topo.kind("db") == "database"
        assert topo.service_of("checkout-0") == "checkout" and topo.host_of("checkout-0") == "n1"
        assert topo.sources("db", "depends_on") == ("checkout",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('["a"]', "expected an object with 'nodes' and 'edges'"),
        ('{"nodes": [{"id": "a", "kind": "spaceship"}]}', "nodes.0.kind"),
        (
            '{"nodes": [{"id": "a"}], "edges": [{"from": "a", "to": "b"}]}',
            "edge 0 (a -> b) names unknown node 'b'",
        ),
        ('{"nodes": [{"id": "a"}], "edges": [{"from": "a", "to": "a", "type": "likes"}]}', "edges.0.type"),
    ],
)
def test_bad_topology_files_name_the_file_and_the_problem(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "topology.json"
    path.write_text(text)
    with pytest.raises(TopologyError) as err:
        load_topology(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_missing_topology_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match="cannot read"):
        load_topology(tmp_path / "absent.yaml")


def _owner(kind: str, name: str) -> list[client.V1OwnerReference]:
    return [client.V1OwnerReference(api_version="apps/v1", kind=kind, name=name, uid="u")]


def test_cluster_topology_from_client_objects_maps_pods_to_deployments_and_nodes() -> None:
    rs = client.V1ReplicaSet(
        metadata=client.V1ObjectMeta(name="web-7d9f", namespace="prod", owner_references=_owner("Deployment", "web")),
        spec=client.V1ReplicaSetSpec(selector=client.V1LabelSelector(match_labels={"app": "web"})),
    )
    pods = [
        client.V1Pod(
            metadata=client.V1ObjectMeta(
                name=f"web-7d9f-{i}", namespace="prod", owner_references=_owner("ReplicaSet", "web-7d9f")
            ),
            spec=client.V1PodSpec(containers=[], node_name=f"node-{i}"),
        )
        for i in range(2)
    ]
    db = client.V1Pod(
        metadata=client.V1ObjectMeta(name="pg-0", namespace="prod", owner_references=_owner("StatefulSet", "pg")),
        spec=client.V1PodSpec(containers=[], node_name="node-0"),
    )
    nodes = [client.V1Node(metadata=client.V1ObjectMeta(name=f"node-{i}")) for i in range(2)]
    topo = topology_from_cluster([*pods, db], [rs], nodes)
    assert topo.instances("prod/web") == ("prod/web-7d9f-0", "prod/web-7d9f-1")
    assert topo.kind("prod/web") == "service" and topo.kind("node-1") == "node"
    assert topo.host_of("prod/web-7d9f-1") == "node-1"
    assert topo.service_of("prod/pg-0") == "prod/pg"
    # Alerts name pods by their plain name plus a namespace label.
    entity = EntityResolver(topo).resolve({"alertname": "X", "pod": "web-7d9f-1", "namespace": "prod"})
    assert (entity.id, entity.service, entity.host) == ("prod/web-7d9f-1", "prod/web", "node-1")


def test_cluster_topology_from_kubectl_json_dicts() -> None:
    pods = [
        {
            "metadata": {
                "name": "api-1",
                "namespace": "a",
                "ownerReferences": [{"kind": "DaemonSet", "name": "api"}],
            },
            "spec": {"nodeName": "n9"},
        }
    ]
    topo = topology_from_cluster(pods)
    assert topo.service_of("a/api-1") == "a/api" and topo.host_of("a/api-1") == "n9"


def test_resolution_prefers_the_most_specific_label_and_strips_ports() -> None:
    topo = load_topology_from(DOC)
    resolver = EntityResolver(topo)
    assert resolver.resolve({"pod": "checkout-0", "service": "checkout", "node": "n1"}).id == "checkout-0"
    assert resolver.resolve({"service": "checkout", "instance": "10.1.1.1:8080"}).id == "checkout"
    assert resolver.resolve({"instance": "n1:9100"}).id == "n1"
    unknown = resolver.resolve({"alertname": "X", "pod": "other-1", "service": "other", "node": "n7"})
    assert (unknown.id, unknown.kind, unknown.service, unknown.host, unknown.known) == (
        "other-1",
        "pod",
        "other",
        "n7",
        False,
    )


def test_node_addresses_are_learned_from_alerts_naming_a_known_pod() -> None:
    resolver = EntityResolver(load_topology_from(DOC))
    assert resolver.resolve({"entity": "10.0.0.4"}).known is False
    resolver.resolve({"pod": "checkout-0", "node": "10.0.0.4"})
    learned = resolver.resolve({"entity": "10.0.0.4"})
    assert (learned.id, learned.kind) == ("n1", "node")


def load_topology_from(doc: dict[str, object]) -> object:
    from opsgraph.tools.alerts.topology import from_document

    return from_document(doc)
