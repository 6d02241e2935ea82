-- wrk script: POST /rec/KID with the body in $REC_BODY, one request per
-- connection (tangd serves one exchange per connection, as under systemd).
local f = assert(io.open(os.getenv("REC_BODY"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/jwk+json"
wrk.headers["Connection"] = "close"
