"""Cameras: registry, Frigate/NVR events over MQTT and the webhook, verified camera reports, traffic flow."""
