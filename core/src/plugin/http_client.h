/*
 * plugin/http_client.h - outbound HTTP for plugins (hawk_host_api
 * http_request / http_response_free), on libcurl with one reusable easy
 * handle per thread (connection reuse), the call's deadline and cancel
 * flag enforced, TLS verification on, response size bounded, and secret
 * headers redacted from every log line.
 */
#ifndef HK_PLUGIN_HTTP_CLIENT_H
#define HK_PLUGIN_HTTP_CLIENT_H

#include "hawk/plugin.h"

/* Process-wide setup/teardown (curl_global_init/cleanup). */
int hk_http_client_global_init(void);
void hk_http_client_global_cleanup(void);

/* See struct hawk_host_api.http_request. */
int hk_http_client_request(struct hawk_call *call,
                           const struct hawk_http_req *req,
                           struct hawk_http_resp *resp, struct hawk_error *err);
void hk_http_client_response_free(struct hawk_http_resp *resp);

#endif
