-- The steps of the Neovim end-to-end test, run by init.lua once Neovim has started.
--
-- It returns one function taking init.lua's shared state. Every check raises an error with a
-- sentence saying what was expected; the error is logged and Neovim exits with `:cquit`, so the
-- runner sees a non-zero status. On success the result is written and Neovim exits with `:qall!`.

-- Generous enough for a cold start on a slow machine; the runner's own timeout (60 s) is longer,
-- so a Lua timeout is always reported with its reason rather than as a killed process.
local DIAGNOSTICS_TIMEOUT_MS = 40000
local REQUEST_TIMEOUT_MS = 10000
local POLL_MS = 20

local function ms_since(state, ns)
  if ns == nil then
    return vim.NIL
  end
  return math.floor((ns - state.client_started_ns) / 1e5 + 0.5) / 10
end

-- Hover contents may be MarkupContent, a MarkedString or a list of MarkedStrings.
local function hover_text(contents)
  if type(contents) == "string" then
    return contents
  end
  if contents.value ~= nil then
    return contents.value
  end
  local parts = {}
  for _, part in ipairs(contents) do
    table.insert(parts, hover_text(part))
  end
  return table.concat(parts, "\n")
end

-- `buf_request_sync` answers per client; this returns our client's result or raises its error.
local function request(state, bufnr, method, params)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, REQUEST_TIMEOUT_MS)
  if responses == nil then
    error(string.format("%s got no answer within %d ms (%s)", method, REQUEST_TIMEOUT_MS, tostring(err)))
  end
  local response = responses[state.client_id]
  if response == nil then
    error(method .. " was not answered by the pinsight client")
  end
  if response.err ~= nil then
    error(string.format("%s failed: %s", method, vim.inspect(response.err)))
  end
  return response.result
end

-- The diagnostics Neovim itself holds for the buffer, which is what a user would see.
local function shown_with_code(bufnr, code, line)
  for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
    if diagnostic.code == code and (line == nil or diagnostic.lnum == line) then
      return diagnostic
    end
  end
  return nil
end

-- The same diagnostic as the server published it, with its UTF-16 range and data untouched, for
-- the code action context (converting Neovim's byte columns back would not be exact).
local function published_with_code(state, uri, code, line)
  for _, diagnostic in ipairs(state.published[uri] or {}) do
    if diagnostic.code == code and diagnostic.range.start.line == line then
      return diagnostic
    end
  end
  return nil
end

local function steps(state, result)
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local version = vim.version()
  result.nvim_version = string.format("%d.%d.%d", version.major, version.minor, version.patch)
  state.log("Neovim %s, buffer %d: %s", result.nvim_version, bufnr, file)

  if state.client_id == nil then
    error("no Pinsight client was started for " .. file .. " (does its name match the autocmd patterns?)")
  end
  if not vim.lsp.buf_is_attached(bufnr, state.client_id) then
    error("the Pinsight client is not attached to buffer " .. bufnr)
  end

  -- 1. Diagnostics arrive in stages (syntax at once, index findings later), so this polls until the
  --    index-based python-support error is shown on the first line or the server has exited.
  local found = vim.wait(DIAGNOSTICS_TIMEOUT_MS, function()
    return state.client_exit ~= nil or shown_with_code(bufnr, "python-support", 0) ~= nil
  end, POLL_MS)
  if state.client_exit ~= nil then
    error("the server exited before publishing python-support: " .. vim.inspect(state.client_exit))
  end
  if not found then
    error(string.format(
      "no python-support diagnostic on line 1 within %d ms (%d publications; last: %s)",
      DIAGNOSTICS_TIMEOUT_MS,
      state.publish_count,
      vim.inspect(state.published[uri])
    ))
  end
  local shown = shown_with_code(bufnr, "python-support", 0)
  state.log("python-support shown: %s", shown.message)
  result.diagnostic_message = shown.message
  if not shown.message:find("dropped Python 2.7", 1, true) then
    error("the python-support message does not say the package dropped Python 2.7: " .. shown.message)
  end
  if shown.severity ~= vim.diagnostic.severity.ERROR then
    error("python-support should be an error, got severity " .. tostring(shown.severity))
  end

  -- The target Python came from our settings only if the server asked for them, since Neovim 0.7
  -- never pushes settings on its own.
  if #state.configuration_requests == 0 then
    error("the server never sent workspace/configuration, so the pythonVersion setting was not used")
  end

  -- 2. Hover on the first line explains the drop and names where the target came from.
  local hover_started = vim.loop.hrtime()
  local hover = request(state, bufnr, "textDocument/hover", {
    textDocument = { uri = uri },
    position = { line = 0, character = 3 },
  })
  result.hover_ms = math.floor((vim.loop.hrtime() - hover_started) / 1e5 + 0.5) / 10
  if hover == nil or hover.contents == nil then
    error("hover on line 1 returned nothing")
  end
  local text = hover_text(hover.contents)
  state.log("hover (%d characters):\n%s", #text, text)
  if not (text:find("dropped Python 2.7", 1, true) or text:find("| 2.7 | `3.1` | `3.2`", 1, true)) then
    error("the hover neither says django-scarface dropped Python 2.7 nor shows the support timeline")
  end
  if not text:find("Target Python `2.7`", 1, true) then
    error("the hover does not name the target Python 2.7 from the settings")
  end

  -- 3. Quick fixes for that diagnostic: the preferred one pins the newest release supporting 2.7.
  local diagnostic = published_with_code(state, uri, "python-support", 0)
  if diagnostic == nil then
    error("the python-support diagnostic Neovim shows is not among the published ones")
  end
  local actions_started = vim.loop.hrtime()
  local actions = request(state, bufnr, "textDocument/codeAction", {
    textDocument = { uri = uri },
    range = diagnostic.range,
    context = { diagnostics = { diagnostic } },
  })
  result.code_action_ms = math.floor((vim.loop.hrtime() - actions_started) / 1e5 + 0.5) / 10
  local titles = {}
  local preferred = nil
  for _, action in ipairs(actions or {}) do
    table.insert(titles, string.format("%s%s", action.title, action.isPreferred and " (preferred)" or ""))
    if action.isPreferred and preferred == nil then
      preferred = action
    end
  end
  state.log("code actions: %s", table.concat(titles, " | "))
  if preferred == nil then
    error("no preferred code action among: " .. table.concat(titles, " | "))
  end
  result.action_title = preferred.title
  -- A server may leave the edit to codeAction/resolve; Pinsight sends it at once, but either is valid.
  if preferred.edit == nil and preferred.data ~= nil then
    preferred = request(state, bufnr, "codeAction/resolve", preferred)
  end
  if preferred.edit == nil then
    error("the preferred code action has no edit: " .. vim.inspect(preferred))
  end

  -- Neovim 0.7's apply_workspace_edit takes the edit and the client's position encoding (0.6 made
  -- the encoding a parameter, and leaving it out only warns and guesses).
  local client = vim.lsp.get_client_by_id(state.client_id)
  vim.lsp.util.apply_workspace_edit(preferred.edit, client.offset_encoding or "utf-16")
  vim.cmd("write")
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  state.log("buffer after the fix: %s", vim.inspect(lines))

  -- 4. The edit reached the server as a didChange: the error on line 1 goes away, while the
  --    unrelated black line keeps its own findings.
  local cleared = vim.wait(DIAGNOSTICS_TIMEOUT_MS, function()
    return shown_with_code(bufnr, "python-support", 0) == nil
  end, POLL_MS)
  if not cleared then
    error("python-support on line 1 is still shown after pinning: " .. vim.inspect(state.published[uri]))
  end
end

return function(state)
  local result = { ok = false }
  local ok, err = xpcall(function()
    steps(state, result)
  end, debug.traceback)
  result.ok = ok
  if not ok then
    result.error = tostring(err)
    state.log("FAIL: %s", tostring(err))
  else
    state.log("PASS")
  end
  result.timings_ms = {
    first_diagnostics = ms_since(state, state.first_publish_ns),
    first_python_support = ms_since(state, state.first_python_support_ns),
    first_line_python_support = ms_since(state, state.first_line_python_support_ns),
    scenario_total = ms_since(state, vim.loop.hrtime()),
  }
  result.configuration_requests = #state.configuration_requests
  result.publish_count = state.publish_count
  local path = os.getenv("NVIM_PINSIGHT_RESULT")
  if path ~= nil and path ~= "" then
    local file = io.open(path, "w")
    if file then
      file:write(vim.fn.json_encode(result))
      file:close()
    end
  end
  if ok then
    vim.cmd("qall!")
  else
    vim.cmd("cquit 1")
  end
end
