"""Slack rendering: Block Kit and message text, as pure functions of the services' views.

Used by handlers/ (replies, forms, the Home tab) and jobs/ (what the sweeps
post), so neither reaches into the other. Imports only bot/; Slack's limits
and the one truncation rule are in `blocks.kit`.
"""
