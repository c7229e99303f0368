/** Loads the SQL parsers once per test worker, as the CLI and the function do before judging statements. */
import { loadSqlParsers } from '../../functions/src/core/sql/analyze.js';

await loadSqlParsers();
