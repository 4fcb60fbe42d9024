"""In-app notifications: what every app tells a person (a new match, a deal for their node, a licence
reminder, a challenge outcome). Apps call `services.notify(...)`; nothing here knows their models."""
