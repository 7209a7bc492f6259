"""Slack's edge: listeners that parse payloads, ack at once, call services, reply.

handlers/listeners.py wires every listener into a Bolt app.
"""
