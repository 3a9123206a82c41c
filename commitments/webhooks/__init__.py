"""Webhook delivery: signing, target checks, transport, and recording each attempt."""
