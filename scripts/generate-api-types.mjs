#!/usr/bin/env node
// `npm run generate:api-types`: writes web/src/api-types.ts, the web UI's types, from the OpenAPI
// document of the app built in-process (test/support/api-types.ts). Run it after changing a route's
// or a presenter's schema; test/operations/api-types.test.ts fails while the file is out of date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
const { API_TYPES_FILE, generateApiTypes } = await tsImport('../test/support/api-types.ts', import.meta.url);
writeFileSync(`${root}${API_TYPES_FILE}`, await generateApiTypes());
console.log(`wrote ${API_TYPES_FILE}`);
