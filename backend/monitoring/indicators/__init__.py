"""Socio-economic indicators: registry, observations with statuses, targets, imports, deadlines."""
