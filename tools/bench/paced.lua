-- paced.lua: each wrk connection waits `think` milliseconds after each
-- response before it sends its next request, so that the load offered is at
-- most connections / think, whatever the server: servers are then compared
-- at the same load rather than each at its own saturation.
-- Usage: wrk -s paced.lua http://127.0.0.1:8080/ -- 2
-- wrk's timers count whole milliseconds.

local think = 0

init = function(args)
  think = tonumber(args[1]) or 0
end

delay = function()
  return think
end
