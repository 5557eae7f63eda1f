"""IOC monitoring modules: socio-economic indicators, public-service dossiers, watched sites."""
