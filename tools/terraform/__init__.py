"""Natural language to Terraform: a typed spec from the request, deterministic templates (or a
model's draft), and validation of every output (terraform validate/plan, checkov, our own plan
and manifest checks) before anything is handed over."""
