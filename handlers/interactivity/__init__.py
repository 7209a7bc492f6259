"""Slack interactivity (buttons, forms, shortcuts, events), one module per feature.

Each module defines `add_listeners(app, services)`; handlers/pipeline/listeners.py calls them.
"""
