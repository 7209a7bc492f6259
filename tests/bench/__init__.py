"""`make bench`: Consult measured at national scale against a bare Bolt app (see docs/performance.md)."""
