"""GPU rebalancing: where GPU money goes (inventory, utilisation, cost), a packing with a proven
lower bound, and applying it through the Kubernetes API."""
