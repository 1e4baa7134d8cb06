"""The cancellation workflow's steps, one module each (the Lambdas in functions/ are thin wrappers
around them), so a step's cold start imports only what that step runs: only the refund step
imports the refund's modules (docs/ARCHITECTURE.md, Cold starts).

Every step gives ``{"cancellationId", "next"}``: ``next`` is the state the stored status sends the
workflow to (``step_for``), so a step that lost a race (an answer just after a time limit fired)
simply goes where the status says. Waits keep their task token on the cancellation (never in an
answer) and a wait that starts after the status moved on completes its own token at once.
"""
