-- wrk script of bench/api.sh: requests the paths of the file named after "--" (one per line) in turn,
-- so deep cursors and person ids rotate as their pgbench scripts do. Headers come from wrk -H.
local paths, i = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  assert(#paths > 0, "no paths in " .. tostring(args[1]))
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
