/**
 * The entry of the tests bundle (dist/e2e/suite/tests.js). The runner (index.ts) hands this file to
 * mocha, which defines `suite`/`test` before loading it; every test file is imported here so that one
 * bundle holds them all and nothing has to be found on disk at run time.
 */
import "./requirements.test";
import "./locks.test";
import "./restricted.test";
import "./restart.test";
