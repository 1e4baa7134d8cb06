"""The local stack: template.yaml deployed into moto, shared by the tests, `make run` and `make demo`."""
