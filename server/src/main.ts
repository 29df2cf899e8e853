import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { startServer } from "./server";

/**
 * Process entry of the language server. The transport is chosen from the command line the way every
 * vscode-languageserver server does it: `--node-ipc` (VS Code), `--stdio` (Neovim, Helix, Emacs…) or
 * `--socket=PORT`. Without any of them, stdio is used so that `pinsight-language-server` just works.
 */
const transports = ["--node-ipc", "--stdio", "--socket", "--pipe"];
if (!process.argv.some((arg) => transports.some((t) => arg.startsWith(t)))) process.argv.push("--stdio");

process.on("unhandledRejection", (reason) => {
  process.stderr.write(`pinsight: unhandled rejection: ${String(reason)}\n`);
});

startServer(createConnection(ProposedFeatures.all));
