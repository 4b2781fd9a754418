-- pipeline.lua: wrk sends `depth` GET requests back to back on each
-- connection before it reads the responses (HTTP/1.1 pipelining).
-- Usage: wrk -s pipeline.lua http://127.0.0.1:8080/ -- 16
-- wrk counts every response; the latency it records is that of each batch.

init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil)
  end
  req = table.concat(r)
end

request = function()
  return req
end
