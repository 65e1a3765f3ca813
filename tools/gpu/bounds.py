"""A lower bound on the GPU nodes any placement of the pods needs: what makes a plan provably good.

A node that keeps a pod the plan may not move is used whatever we do (set F). The movable pods
split into independent groups: the connected parts of the graph that links each pod to the nodes
it may end on (`Packing.allowed`: its targets and the node it is on, unless the plan converts that
node to time-slicing or the pod to a shared GPU). Within one part, for every GPU resource
(whole GPUs, each MIG profile), the demand not absorbed by the free room of F's nodes must be
covered by whole nodes, so at least the k largest of the other nodes are needed (the continuous
bin-packing bound, ceil(demand / capacity) for identical nodes). And pods larger than half of the
largest node that also fit in no F node need one node each. The bound is |F| plus, per part, the
largest of these counts. It is valid for any plan that moves only movable pods.
"""

from __future__ import annotations

from opsgraph.tools.gpu.packing import EPS, Packing


def nodes_lower_bound(p: Packing) -> int:
    n_nodes = len(p.nodes)
    fixed_nodes = {i for i in range(n_nodes) for k in p.members[i] if k not in p.movable}
    gpu_dims = range(len(p.dims) - 3)  # gpu and MIG profiles come before cpu, memory, pods
    # Room each node has once every movable pod is taken off.
    base = [list(row) for row in p.used]
    for key in p.movable:
        i = p.where.get(key)
        if i is None:
            continue
        for d, amount in enumerate(p.req[key]):
            base[i][d] -= amount
    room = [[p.alloc[i][d] - base[i][d] for d in range(len(p.dims))] for i in range(n_nodes)]

    parent = list(range(n_nodes))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    allowed: dict[str, set[int]] = {}
    for key in p.movable:
        if key not in p.where:
            continue
        nodes = p.allowed(key) or {p.where[key]}
        allowed[key] = nodes
        first = find(next(iter(nodes)))
        for j in nodes:
            parent[find(j)] = first
    parts: dict[int, list[str]] = {}
    for key, nodes in allowed.items():
        parts.setdefault(find(next(iter(nodes))), []).append(key)
    extra = 0
    for root, keys in parts.items():
        members = [i for i in range(n_nodes) if find(i) == root]
        fixed = [i for i in members if i in fixed_nodes]
        others = [i for i in members if i not in fixed_nodes]
        need = 0
        for d in gpu_dims:
            demand = sum(p.req[k][d] for k in keys)
            if demand <= EPS:
                continue
            short = demand - sum(max(room[i][d], 0.0) for i in fixed)
            if short <= EPS:
                continue
            capacities = sorted((max(room[i][d], 0.0) for i in others), reverse=True)
            covered, k = 0.0, 0
            for cap in capacities:
                if covered >= short - EPS:
                    break
                covered += cap
                k += 1
            need = max(need, k)
        largest = max((room[i][0] for i in others), default=0.0)
        fixed_room = max((room[i][0] for i in fixed), default=0.0)
        big = sum(1 for k in keys if p.req[k][0] > largest / 2 + EPS and p.req[k][0] > fixed_room + EPS)
        extra += max(need, big)
    return len(fixed_nodes) + extra
