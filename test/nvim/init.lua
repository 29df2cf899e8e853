-- Neovim configuration for the Pinsight end-to-end test (`npm run test:nvim`).
--
-- It is written for Neovim 0.7 (Debian's package), whose LSP client predates `vim.lsp.start` and
-- `vim.lsp.config`, so the client is started with `vim.lsp.start_client` and attached by hand.
-- The first half is what a user's configuration would contain; the second half records what the
-- server sends, so that `scenario.lua` can check it, and runs that scenario once Neovim has started.
--
-- Environment:
--   NVIM_PINSIGHT_SERVER  absolute path of dist/server.js (required)
--   NVIM_PINSIGHT_NODE    the node executable (default: `node` from PATH)
--   NVIM_PINSIGHT_LOG     a file the scenario appends its progress and any failure to
--   NVIM_PINSIGHT_RESULT  a file the scenario writes its outcome and timings to, as JSON
--   NVIM_PINSIGHT_PYTHON  the target Python sent as `pinsight.pythonVersion` (default "2.7")

-- The scenario module lives next to this file; `--clean` leaves it off 'runtimepath', so the
-- directory is taken from this file's own path.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")

-- Everything the scenario needs to observe is kept in one table that both files share.
local state = {
  started_ns = vim.loop.hrtime(),
  client_id = nil,
  client_started_ns = nil,
  client_exit = nil,
  -- The last list of LSP diagnostics published for each URI, exactly as the server sent them.
  published = {},
  publish_count = 0,
  first_publish_ns = nil,
  first_python_support_ns = nil,
  -- The motivating finding: the unpinned django-scarface on the first line (line 0 in LSP terms).
  first_line_python_support_ns = nil,
  configuration_requests = {},
  server_log = {},
}

local log_path = os.getenv("NVIM_PINSIGHT_LOG")

-- Each line is flushed at once, so the runner can show the log even if it has to kill Neovim.
function state.log(fmt, ...)
  local line = string.format("[%7.1f ms] ", (vim.loop.hrtime() - state.started_ns) / 1e6)
    .. string.format(fmt, ...)
  if log_path == nil or log_path == "" then
    io.stderr:write(line .. "\n")
    return
  end
  local file = io.open(log_path, "a")
  if file then
    file:write(line .. "\n")
    file:close()
  end
end

local server = os.getenv("NVIM_PINSIGHT_SERVER")
local node = os.getenv("NVIM_PINSIGHT_NODE")
if node == nil or node == "" then
  node = "node"
end
-- Without a server there is nothing to test; stopping here avoids starting `node nil`.
if server == nil or server == "" then
  state.log("FAIL: NVIM_PINSIGHT_SERVER is not set")
  vim.cmd("cquit 2")
  return
end
local python = os.getenv("NVIM_PINSIGHT_PYTHON")
if python == nil or python == "" then
  python = "2.7"
end

-- Neovim 0.7 answers `workspace/configuration` from `settings` but does not tell the server that it
-- can, so without this the server would never ask and would run with its defaults. Neovim 0.8 and
-- later advertise the capability themselves.
local capabilities = vim.lsp.protocol.make_client_capabilities()
capabilities.workspace = capabilities.workspace or {}
capabilities.workspace.configuration = true

-- The handlers below wrap Neovim's own ones: the test sees the raw messages, and Neovim still does
-- what it normally does with them (show diagnostics, answer configuration requests).
local handlers = {
  ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
    local now = vim.loop.hrtime()
    state.publish_count = state.publish_count + 1
    state.first_publish_ns = state.first_publish_ns or now
    state.published[result.uri] = result.diagnostics
    local codes = {}
    for _, diagnostic in ipairs(result.diagnostics) do
      local line = diagnostic.range.start.line + 1
      table.insert(codes, string.format("%d:%s", line, tostring(diagnostic.code)))
      if diagnostic.code == "python-support" then
        state.first_python_support_ns = state.first_python_support_ns or now
        if diagnostic.range.start.line == 0 then
          state.first_line_python_support_ns = state.first_line_python_support_ns or now
        end
      end
    end
    local name = vim.fn.fnamemodify(vim.uri_to_fname(result.uri), ":t")
    state.log("publishDiagnostics %s: [%s]", name, table.concat(codes, ", "))
    return vim.lsp.handlers["textDocument/publishDiagnostics"](err, result, ctx, config)
  end,
  ["workspace/configuration"] = function(err, result, ctx, config)
    local response = vim.lsp.handlers["workspace/configuration"](err, result, ctx, config)
    table.insert(state.configuration_requests, { params = result, response = response })
    state.log("workspace/configuration %s -> %s", vim.fn.json_encode(result), vim.fn.json_encode(response))
    return response
  end,
  ["window/logMessage"] = function(err, result, ctx, config)
    table.insert(state.server_log, result.message)
    state.log("server: %s", result.message)
    return vim.lsp.handlers["window/logMessage"](err, result, ctx, config)
  end,
}

-- One client serves every requirements file of the session, as it would in a user's editor.
local function attach(bufnr)
  if state.client_id == nil then
    state.client_started_ns = vim.loop.hrtime()
    state.client_id = vim.lsp.start_client({
      name = "pinsight",
      cmd = { node, server, "--stdio" },
      root_dir = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":p:h"),
      capabilities = capabilities,
      settings = { pinsight = { pythonVersion = python } },
      handlers = handlers,
      on_exit = function(code, signal)
        state.client_exit = { code = code, signal = signal }
        state.log("server exited: code %s, signal %s", tostring(code), tostring(signal))
      end,
    })
    state.log("started client %s: %s %s --stdio", tostring(state.client_id), node, tostring(server))
  end
  if state.client_id ~= nil then
    vim.lsp.buf_attach_client(bufnr, state.client_id)
  end
end

-- Neovim 0.7 has no filetype for requirements files (it calls them "text"), so the client is
-- attached by file name, with the same patterns the VS Code extension uses.
vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
  pattern = {
    "requirements*.txt",
    "*-requirements.txt",
    "requirements*.in",
    "*-requirements.in",
    "constraints*.txt",
    "*.pip",
  },
  callback = function(args)
    attach(args.buf)
  end,
})

-- The scenario starts only when Neovim has finished starting, so the file's buffer exists and the
-- event loop is running (vim.wait needs it).
vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = function()
    vim.schedule(function()
      dofile(here .. "/scenario.lua")(state)
    end)
  end,
})
