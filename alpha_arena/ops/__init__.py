"""Operations: Prometheus metrics, health checks, alerts, the audit log, backups."""
