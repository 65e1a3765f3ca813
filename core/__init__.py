"""The floor: contracts that agent/, tools/, guardrails/ and channels/ all build on.

Nothing here imports from those packages (a test checks it), so nothing imports upward.
"""
