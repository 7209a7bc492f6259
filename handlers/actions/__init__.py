"""Interactive listeners (buttons, forms, shortcuts, events), one module per feature.

Each module defines `register(app, services)`.
"""
