"""Slack's edge: listeners that parse payloads, ack at once, call services, reply.

handlers/pipeline/ is the way in for Slack requests: the Bolt app, its middleware, and
handlers/pipeline/listeners.py, which wires every listener into it.
"""
