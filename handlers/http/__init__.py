"""Plain HTTP routes (calendar feeds...), one module each, listed in handlers/web.py."""
