"""The AWS side of the returns service, shared by every function: tables, events, signing,
payments and the business operations the API and the workflow call. The pure refund engine
lives apart, in ``returns_core``."""
