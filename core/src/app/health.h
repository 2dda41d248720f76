/*
 * app/health.h - /health, /health/detailed, /health/readiness,
 * /health/liveness and the Prometheus /metrics endpoint.
 */
#ifndef HK_APP_HEALTH_H
#define HK_APP_HEALTH_H

struct hk_router;

/* Registers the health and metrics routes (all public, request logs at
 * debug level). */
void hk_health_routes(struct hk_router *r);

#endif
