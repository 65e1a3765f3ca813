"""Alerts into incidents: parse Alertmanager payloads, correlate them as they stream in, rank
probable root causes on the dependency graph, and keep everything acknowledged in a durable store.

Modules, by responsibility:
- `payloads`: Alertmanager v2 alerts and webhook v4 payloads (pydantic) -> `Alert`
- `topology`: the dependency graph (file or cluster) with indexes
- `entities`: labels -> topology node (entity resolution)
- `signals`: alert name -> signal family, category (symptom / resource / infra) and resource
- `baseline`: how often each signal fired recently (chronic alerts carry little evidence)
- `patterns`: signals several instances of one service show together (one event, own history)
- `correlator`: the streaming correlator (dedup, lifecycle, flapping, grouping)
- `evidence`: what one incident says about each entity (surprise, onset, specificity)
- `ranking`: probable root causes of one incident (graph reasoning over that evidence)
- `incidents`: incident snapshots (severity, blast radius, summary)
- `actions`, `funnel`: suggested fixes and the raw -> actionable funnel
- `store`, `pipeline`: SQLite WAL store and the receive -> store -> correlate path
- `tools`: `alerts_list` and `incident_show` for the agent
"""
