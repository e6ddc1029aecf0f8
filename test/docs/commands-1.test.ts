// The docs check, shard 1 of 2 (test/docs/suite.ts): every command shown in README.md and
// docs/ is run and its shown output compared.
import { docsSuite } from './suite.ts';

docsSuite(0, 2);
