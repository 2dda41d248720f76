/*
 * health/metrics_db.h - /metrics series computed at scrape time.
 */
#ifndef HK_HEALTH_METRICS_DB_H
#define HK_HEALTH_METRICS_DB_H

struct hk_db;
struct hk_buf;

/* Appends hawk_queue_jobs{kind,state} and hawk_applications{status,board}
 * (one pooled connection, two GROUP BY queries); nothing when db is NULL
 * or unreachable (hawk_up and the health routes say so). */
void hk_metrics_db_render(struct hk_db *db, struct hk_buf *out);

/* hk_http_observe_fn for the server: hawk_http_request_duration_seconds
 * {method,route,status}.  Thread-safe. */
void hk_metrics_http_observe(const char *method, const char *route, int status,
                             double seconds);

/* Appends process_open_fds and process_max_fds. */
void hk_metrics_process_render(struct hk_buf *out);

#endif
