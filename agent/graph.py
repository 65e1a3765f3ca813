"""The agent graph, as DESIGN.md draws it, with the investigation loop:

guard_input -> route -> plan -> policy -> approval -> execute -> guard_output -> observe
                         ^                                                        |
                         +------------------ wants more, no limit hit ------------+
observe -> respond when the brain has answered (or asked, or a limit stopped the turn).

`build_graph()` wires the steps; `compile_graph()` adds the checkpointer that makes a pending
approval survive a restart.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from opsgraph.agent.context import RunContext
from opsgraph.agent.instrumentation import traced_node
from opsgraph.agent.nodes.approval import approval, still_pending
from opsgraph.agent.nodes.execute import execute
from opsgraph.agent.nodes.guard import guard_input, guard_output
from opsgraph.agent.nodes.observe import next_after_observe, observe
from opsgraph.agent.nodes.plan import plan, route
from opsgraph.agent.nodes.policy import policy
from opsgraph.agent.nodes.respond import respond
from opsgraph.agent.state import AgentState


def _after_guard(state: AgentState) -> str:
    return "respond" if state.get("status") == "blocked" else "route"


def _after_plan(state: AgentState) -> str:
    plan_ = state.get("plan") or {}
    if state.get("status") == "error" or not plan_.get("tool_calls") or state.get("stopped_by"):
        return "respond"
    return "policy"


def _after_approval(state: AgentState) -> str:
    # Someone who may not approve leaves it pending: pause again for someone who may.
    return "approval" if still_pending(state) else "execute"


def build_graph() -> StateGraph[Any, Any, Any, Any]:
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(AgentState, context_schema=RunContext)
    steps = (guard_input, route, plan, policy, approval, execute, guard_output, observe, respond)
    for step in steps:  # each under its own span and timer (agent.instrumentation)
        graph.add_node(step.__name__, traced_node(step.__name__, step))
    graph.add_edge(START, "guard_input")
    graph.add_conditional_edges("guard_input", _after_guard, ["route", "respond"])
    graph.add_edge("route", "plan")
    graph.add_conditional_edges("plan", _after_plan, ["policy", "respond"])
    graph.add_edge("policy", "approval")
    graph.add_conditional_edges("approval", _after_approval, ["approval", "execute"])
    graph.add_edge("execute", "guard_output")
    graph.add_edge("guard_output", "observe")
    graph.add_conditional_edges("observe", next_after_observe, ["plan", "respond"])
    graph.add_edge("respond", END)
    return graph


def compile_graph(checkpointer: Any) -> Any:
    return build_graph().compile(checkpointer=checkpointer)
