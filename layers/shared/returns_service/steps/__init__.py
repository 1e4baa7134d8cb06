"""The return workflow's steps, one module each (the Lambdas in functions/ are thin wrappers around
them), so a step's cold start imports only what that step runs (docs/ARCHITECTURE.md, Cold starts).

Each step is load -> decide (returns_core.lifecycle) -> save. A step that finds the return moved
on (a cancel, a CS decision after the time limit) changes nothing and sends the workflow where the
stored status says: a time-limit step in its output (``tasks.route``), a waiting step by answering
its own token at once (``Reroute``, ``steps.parking``).
"""
