// contracts/build.ts: compiles with solcjs into {abi, bytecode} artifacts, skips an unchanged
// build by its stamp, and reports compile errors as file:line:col with a non-zero CLI exit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildContracts, ContractCompileError, contractsUpToDate, type Artifact } from '../../contracts/build';

const GOOD = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Counter {
    uint256 public count;
    function increment() external { count += 1; }
}
`;

const BROKEN = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Broken {
    function f() external pure returns (uint256) { return undefinedName; }
}
`;

describe('contracts: build', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nexus-contracts-build-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes {abi, bytecode} per contract and skips the compile while sources are unchanged', async () => {
    const srcDir = join(dir, 'src');
    const outDir = join(dir, 'out');
    mkdirSync(srcDir, { recursive: true });
    writeFileSync(join(srcDir, 'Counter.sol'), GOOD);
    assert.equal(contractsUpToDate({ srcDir, outDir }), false);
    await buildContracts({ srcDir, outDir });
    const artifactPath = join(outDir, 'Counter.json');
    const artifact = JSON.parse(readFileSync(artifactPath, 'utf8')) as Artifact;
    assert.match(artifact.bytecode, /^0x[0-9a-f]{100,}$/);
    assert.ok(artifact.abi.some((f) => (f as { name?: string }).name === 'increment'));
    assert.equal(contractsUpToDate({ srcDir, outDir }), true);

    const mtime = statSync(artifactPath).mtimeMs;
    await buildContracts({ srcDir, outDir });
    assert.equal(statSync(artifactPath).mtimeMs, mtime, 'an unchanged build writes nothing');

    writeFileSync(join(srcDir, 'Counter.sol'), GOOD.replace('count += 1', 'count += 2'));
    assert.equal(contractsUpToDate({ srcDir, outDir }), false, 'a source change makes the output stale');
  });

  it('reports compile errors with file:line:col, and the CLI exits non-zero', async () => {
    const srcDir = join(dir, 'src');
    const outDir = join(dir, 'out');
    mkdirSync(srcDir, { recursive: true });
    writeFileSync(join(srcDir, 'Broken.sol'), BROKEN);
    await assert.rejects(buildContracts({ srcDir, outDir }), (err: unknown) => {
      assert.ok(err instanceof ContractCompileError);
      assert.match(err.message, /Broken\.sol:5:\d+: error \(DeclarationError\): Undeclared identifier/);
      return true;
    });
    assert.equal(existsSync(join(outDir, '.build-stamp.json')), false);

    const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const cli = spawnSync(
      tsx,
      [join(__dirname, '..', '..', 'contracts', 'build.ts'), '--src', srcDir, '--out', outDir],
      {
        encoding: 'utf8',
      },
    );
    assert.notEqual(cli.status, 0);
    assert.match(cli.stderr, /Broken\.sol:5:\d+: error/);
  });
});
