import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeListen, startLine } from '../../src/http/listen-address.ts';

/** The start line says what verity really listens on (it said http://127.0.0.1 for HOST=0.0.0.0). */
test('an all-interfaces bind is named as such, with the URL to use from this machine', () => {
  assert.equal(
    startLine('0.0.0.0', 3001, 'sqlite:./data/verity.db', null),
    'verity listening on 0.0.0.0:3001 (http://127.0.0.1:3001 from this machine; database sqlite:./data/verity.db)',
  );
  assert.deepEqual(describeListen('::', 3001), { where: '[::]:3001', local: 'http://[::1]:3001' });
});

test('one address is named by its URL, as before', () => {
  assert.equal(
    startLine('127.0.0.1', 4000, 'sqlite:x.db', 'ADMIN_API_KEY is not set: using the generated key'),
    'verity listening on http://127.0.0.1:4000 (database sqlite:x.db; ADMIN_API_KEY is not set: using the generated key)',
  );
  assert.deepEqual(describeListen('::1', 80), { where: 'http://[::1]:80', local: null });
  assert.deepEqual(describeListen('192.168.1.20', 3001), { where: 'http://192.168.1.20:3001', local: null });
  assert.deepEqual(describeListen('localhost', 3001), { where: 'http://localhost:3001', local: null });
});
