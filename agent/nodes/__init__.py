"""The graph's steps, one module each: guard_input -> route -> plan -> policy -> approval ->
execute -> guard_output -> respond."""
