// Side-effect entry for setupFilesAfterEnv: registers the QMP matchers on the test file's expect
// (the same object as the global one). The typings import is explicit so that extend-expect.d.ts
// keeps it: a .d.ts drops value-only imports, and with them the augmentation.
import './typings';
import { expect } from '@jest/globals';
import { registerMatchers } from './index';

registerMatchers(expect);
