import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { makeBuilderEnv, passAsFileName, rewriteStrings, tokenize } from '../../../src/build/builder-env.ts';
import { hashPlaceholder } from '../../../src/store/drv/output-paths.ts';

const OUT = '/nix/store/mc7qcb2hcmshh1gw4nx6r63wax209b47-envdump';
const DEV = '/nix/store/r4cal553h80jqcjxaajvqrv1z5jj1i0p-envdump-dev';

function env(extra: [string, string][] = [], opts: { fixedOutput?: boolean; hostEnv?: (n: string) => string | undefined } = {}) {
  return makeBuilderEnv({
    env: new Map([['builder', '/bin/sh'], ['name', 'envdump'], ['out', OUT], ['dev', DEV], ['outputs', 'out dev'], ['system', 'x86_64-linux'], ...extra]),
    builder: '/bin/sh',
    args: ['-c', 'echo'],
    outputPaths: new Map([['out', OUT], ['dev', DEV]]),
    fixedOutput: opts.fixedOutput ?? false,
    storeDir: '/nix/store',
    buildDir: '/build',
    cores: 2,
    hostEnv: opts.hostEnv,
  });
}

describe('makeBuilderEnv()', () => {
  it('sets exactly the variables Nix 2.8 sets in its sandbox', () => {
    // `export` in a Nix 2.8 sandboxed build of the same derivation (minus the shell's own SHLVL).
    const e = env([['foo', 'bar'], ['passAsFile', 'foo']]);
    assert.deepEqual(Object.fromEntries(e.env), {
      HOME: '/homeless-shelter',
      NIX_BUILD_CORES: '2',
      NIX_BUILD_TOP: '/build',
      NIX_LOG_FD: '2',
      NIX_STORE: '/nix/store',
      PATH: '/path-not-set',
      PWD: '/build',
      TEMP: '/build',
      TEMPDIR: '/build',
      TERM: 'xterm-256color',
      TMP: '/build',
      TMPDIR: '/build',
      builder: '/bin/sh',
      dev: DEV,
      fooPath: '/build/.attr-1bp7cri8hplaz6hbz0v4f0nl44rl84q1sg25kgwqzipzd1mv89ic',
      name: 'envdump',
      out: OUT,
      outputs: 'out dev',
      passAsFile: 'foo',
      system: 'x86_64-linux',
    });
    assert.deepEqual([...e.files], [['.attr-1bp7cri8hplaz6hbz0v4f0nl44rl84q1sg25kgwqzipzd1mv89ic', 'bar']]);
  });

  it('names passAsFile files by the nix32 sha256 of the attribute name', () => {
    assert.equal(passAsFileName('foo'), '.attr-1bp7cri8hplaz6hbz0v4f0nl44rl84q1sg25kgwqzipzd1mv89ic');
  });

  it('replaces output placeholders in values, arguments and passAsFile contents', () => {
    const ph = hashPlaceholder('out');
    const e = makeBuilderEnv({
      env: new Map([['script', `echo ${ph}/bin`], ['big', `x ${hashPlaceholder('dev')} y`], ['passAsFile', 'big']]),
      builder: `${ph}/builder`,
      args: [`--prefix=${ph}`],
      outputPaths: new Map([['out', OUT], ['dev', DEV]]),
      fixedOutput: false,
      storeDir: '/nix/store',
      buildDir: '/build',
      cores: 1,
    });
    assert.equal(e.env.get('script'), `echo ${OUT}/bin`);
    assert.deepEqual(e.args, [`--prefix=${OUT}`]);
    assert.equal(e.builder, `${OUT}/builder`);
    assert.equal([...e.files.values()][0], `x ${DEV} y`);
  });

  it('gives fixed-output builds NIX_OUTPUT_CHECKED and their impureEnvVars from the host', () => {
    const e = env([['impureEnvVars', 'http_proxy  NO_SUCH_VAR']], { fixedOutput: true, hostEnv: (n) => (n === 'http_proxy' ? 'http://proxy:3128' : undefined) });
    assert.equal(e.env.get('NIX_OUTPUT_CHECKED'), '1');
    assert.equal(e.env.get('http_proxy'), 'http://proxy:3128');
    assert.equal(e.env.get('NO_SUCH_VAR'), '');
    const plain = env([['impureEnvVars', 'http_proxy']], { hostEnv: () => 'leak' });
    assert.equal(plain.env.get('http_proxy'), undefined);
    assert.equal(plain.env.get('NIX_OUTPUT_CHECKED'), undefined);
  });

  it('lets the derivation override PATH and HOME but not the build directory variables', () => {
    // Nix sets PATH/HOME/NIX_STORE/NIX_BUILD_CORES first (the derivation may override them) and
    // NIX_BUILD_TOP/TMPDIR/PWD/NIX_LOG_FD/TERM last (it may not).
    const e = env([['PATH', '/custom'], ['HOME', '/h'], ['TMPDIR', '/x'], ['TERM', 'dumb']]);
    assert.equal(e.env.get('PATH'), '/custom');
    assert.equal(e.env.get('HOME'), '/h');
    assert.equal(e.env.get('TMPDIR'), '/build');
    assert.equal(e.env.get('TERM'), 'xterm-256color');
  });

  it('passes structured attributes as .attrs.json and .attrs.sh, and no derivation variables', () => {
    // The files Nix 2.8 wrote for the same attributes (__json as its evaluator prints it).
    const json =
      '{"attrs":{"x":"y","z":3},"b":true,"bad-name":1,"builder":"/bin/sh","f":false,"float":1.5,"int":42,"list":[1,"two",true],"n":null,"name":"sa","neg":-7,"nested":{"a":1,"b":{"c":"d"}},"outputs":["out","dev"],"str":"hello \\"world\\" \\n tab\\t \u00c3\u00a9","system":"x86_64-linux"}';
    const e = makeBuilderEnv({
      env: new Map([['__json', json], ['out', OUT], ['dev', DEV]]),
      builder: '/bin/sh',
      args: [],
      outputPaths: new Map([['out', OUT], ['dev', DEV]]),
      fixedOutput: false,
      storeDir: '/nix/store',
      buildDir: '/build',
      cores: 1,
    });
    assert.equal(e.env.get('out'), undefined);
    assert.equal(e.env.get('NIX_ATTRS_JSON_FILE'), '/build/.attrs.json');
    assert.equal(e.env.get('NIX_ATTRS_SH_FILE'), '/build/.attrs.sh');
    assert.equal(
      e.files.get('.attrs.json'),
      `{"attrs":{"x":"y","z":3},"b":true,"bad-name":1,"builder":"/bin/sh","f":false,"float":1.5,"int":42,"list":[1,"two",true],"n":null,"name":"sa","neg":-7,"nested":{"a":1,"b":{"c":"d"}},"outputs":{"dev":"${DEV}","out":"${OUT}"},"str":"hello \\"world\\" \\n tab\\t \u00c3\u00a9","system":"x86_64-linux"}`,
    );
    assert.equal(
      e.files.get('.attrs.sh'),
      [
        "declare -A attrs=(['x']='y' ['z']=3 )",
        'declare b=1',
        "declare builder='/bin/sh'",
        'declare f=',
        'declare int=42',
        "declare -a list=(1 'two' 1 )",
        "declare n=''",
        "declare name='sa'",
        'declare neg=-7',
        `declare -A outputs=(['dev']='${DEV}' ['out']='${OUT}' )`,
        "declare str='hello \"world\" \n tab\t \u00c3\u00a9'",
        "declare system='x86_64-linux'",
        '',
      ].join('\n'),
    );
  });

  it('rejects a malformed __json with its offset', () => {
    const run = (json: string) =>
      makeBuilderEnv({ env: new Map([['__json', json]]), builder: '/bin/sh', args: [], outputPaths: new Map(), fixedOutput: false, storeDir: '/nix/store', buildDir: '/build', cores: 1 });
    for (const [json, offset] of [['{"a":}', 5], ['[1]', undefined], ['{"a":1} x', 8], ['{"a":"\\q"}', 6]] as const) {
      assert.throws(() => run(json), (e: Error & { code?: string; offset?: number }) => e.code === 'E_STRUCTURED_ATTRS' && (offset === undefined || e.offset === offset), json);
    }
  });
});

describe('rewriteStrings()', () => {
  it('replaces every occurrence', () => {
    assert.equal(rewriteStrings('a-b-a', new Map([['a', 'x']])), 'x-b-x');
  });
});

describe('tokenize()', () => {
  it('splits on spaces, tabs and newlines and drops empty tokens', () => {
    assert.deepEqual(tokenize(' a\tb\n\nc  '), ['a', 'b', 'c']);
  });
});
