"""Plain HTTP routes (calendar feeds...), one module each, using handlers.web.route."""
