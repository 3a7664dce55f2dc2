-- bench/run's route mix for wrk: each wrk thread cycles the paths of a file (one per line) from its own
-- offset, asks for gzip like a browser, counts the responses that are not 2xx, and at the end prints one
-- JSON line (prefixed "BENCH_JSON ") with requests, duration (s), errors and p50/p95/p99 latency (ms).
--
--   wrk -t 2 -c 16 -d 10s --timeout 30s -s bench/mix.lua http://127.0.0.1:8000 -- paths.txt 2
--
-- The percentiles are wrk's, after its correction for coordinated omission (see bench/run.py).
--
-- Script arguments: the path file (or the environment variable BENCH_PATHS) and the number of wrk
-- threads (to spread the threads' starting offsets evenly over the paths; 1 when not given).

local threads = {}
local created = 0

function setup(thread)
   thread:set("thread_number", created)
   created = created + 1
   table.insert(threads, thread)
end

function init(args)
   local file = args[1] or os.getenv("BENCH_PATHS")
   if file == nil then
      error("mix.lua: give the path file as a script argument (-- FILE) or in BENCH_PATHS")
   end
   paths = {}
   for line in io.lines(file) do
      if line ~= "" then
         paths[#paths + 1] = line
      end
   end
   if #paths == 0 then
      error("mix.lua: no paths in " .. file)
   end
   local thread_count = tonumber(args[2] or "1") or 1
   -- 0-based position in paths; thread n starts n/thread_count of the way through.
   position = math.floor(#paths * thread_number / math.max(thread_count, 1)) % #paths
   headers = {["Accept-Encoding"] = "gzip"}
   not_2xx = 0
   statuses = {}
end

function request()
   local path = paths[position + 1]
   position = (position + 1) % #paths
   return wrk.format("GET", path, headers)
end

function response(status, response_headers, body)
   if status < 200 or status > 299 then
      not_2xx = not_2xx + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local status_errors = 0
   local by_status = {}
   for _, thread in ipairs(threads) do
      status_errors = status_errors + (thread:get("not_2xx") or 0)
      local seen = thread:get("statuses") or {}
      for status, count in pairs(seen) do
         by_status[status] = (by_status[status] or 0) + count
      end
   end
   local codes = {}
   for status, count in pairs(by_status) do
      codes[#codes + 1] = string.format('"%d": %d', status, count)
   end
   local e = summary.errors
   local socket_errors = e.connect + e.read + e.write + e.timeout
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_s": %.3f, "errors": %d, "socket_errors": {"connect": %d, '
         .. '"read": %d, "write": %d, "timeout": %d}, "status_errors": %d, "statuses": {%s}, '
         .. '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "bytes": %d}\n',
      summary.requests, summary.duration / 1e6, socket_errors + status_errors, e.connect, e.read, e.write,
      e.timeout, status_errors, table.concat(codes, ", "), latency:percentile(50) / 1000,
      latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.bytes))
end
