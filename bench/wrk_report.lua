-- wrk script of bench.run: stops each thread after BENCH_MAX_REQUESTS requests (wrk's
-- -d bounds the time) and prints one machine-readable line with the summary.

local max_requests = tonumber(os.getenv("BENCH_MAX_REQUESTS") or "100000")
local sent = 0
local prepared = nil

request = function()
  if prepared == nil then
    prepared = wrk.format()
  end
  sent = sent + 1
  if sent > max_requests then
    wrk.thread:stop()
  end
  return prepared
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean
  ))
end
