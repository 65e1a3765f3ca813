"""Names a message gives that resolve to nothing are reported, never replaced by a guess or by the
last workload talked about: namespaces everywhere, workload names wherever a workload is resolved."""

from __future__ import annotations

import difflib

from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Entities, NotFoundName


def check_namespaces(ents: Entities, inv: Inventory) -> None:
    """Raise NotFoundName for a namespace that does not exist or that the allow-list excludes."""
    for word in (*ents.unknown_namespaces, *ents.unknown_names):
        if word in inv.outside_allow_list:
            raise NotFoundName(
                f"Namespace {word} is outside the namespaces opsgraph may use here "
                f"({', '.join(inv.namespaces) or 'none'}; set by OPSGRAPH_NAMESPACES)."
            )
    if ents.unknown_namespaces:
        word = ents.unknown_namespaces[0]
        raise NotFoundName(f"There is no namespace {word}{closest(word, list(inv.namespaces), 'namespaces')}.")


def check_workload_names(ents: Entities, inv: Inventory) -> None:
    """Raise NotFoundName when the message names a workload that does not exist (and no other)."""
    if ents.unknown_names and not ents.workloads:
        word = ents.unknown_names[0]
        namespace = ents.namespaces[0] if ents.namespaces else None
        pool = inv.in_namespace(namespace) if namespace else inv.names
        where = f" in {namespace}" if namespace else ""
        raise NotFoundName(f"There is no deployment {word}{where}{closest(word, pool, 'deployments' + where)}.")


def closest(word: str, pool: list[str], what: str) -> str:
    close = difflib.get_close_matches(word, pool, n=3, cutoff=0.5)
    if close:
        return f"; did you mean {' or '.join(close)}?"
    if pool:
        shown = ", ".join(pool[:8]) + (", ..." if len(pool) > 8 else "")
        return f"; {what}: {shown}"
    return ""
