-- wrk script: POST /groups/:id/access_tokens (the URL given to wrk), one new token per request.
-- The caller's token comes with -H 'PRIVATE-TOKEN: …'.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format(
  '{"name":"bench create","scopes":["read_api"],"access_level":30,"expires_at":"%s"}',
  os.date("!%Y-%m-%d", os.time() + 300 * 86400)
)
