-- wrk script: POST the file named by $BODY_FILE (as application/json) to the URL's path; with
-- $HEAD_FILE set, also every "Name: value" line of that file as a header (bench/claude_request_head.txt:
-- the fields Claude Code sends with each turn).
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
local head_file = os.getenv("HEAD_FILE")
if head_file and head_file ~= "" then
  for line in io.lines(head_file) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
end
