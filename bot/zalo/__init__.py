"""Zalo Official Account: webhook, async client, token store, rendering."""
