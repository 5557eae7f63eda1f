"""Online public-service dossiers per agency and month, their shares and the Decision 766 index."""
