"""Repositories: the queries services need, one module per area."""
