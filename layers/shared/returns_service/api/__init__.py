"""HTTP plumbing of the three API functions (storefront, CS console, warehouse): who is calling,
the contract's error body, the correlation id, idempotent creation, and the extra wire models."""
