-- wrk script of bench/http.sh: rotates the request paths of a file (one a line) and
-- the gates' tokens of another, each thread from its own place (a token is limited
-- to 1000 requests/s: many gates ask at once).
-- Usage: wrk -s bench/http.lua URL -- PATHS_FILE TOKENS_FILE
local paths, tokens = {}, {}
local i, j = 0, 0

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  for line in io.lines(args[2]) do
    tokens[#tokens + 1] = "Bearer " .. line
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  i, j = math.random(#paths), math.random(#tokens)
end

function request()
  i = i % #paths + 1
  j = j % #tokens + 1
  return wrk.format("GET", paths[i], { ["Authorization"] = tokens[j] })
end
