import { describe, expect, it } from 'vitest';
import { envFileToRecord, parseEnvFile, parsePathFile } from './env-files.js';

describe('environment files', () => {
  it('reads name=value lines and the name<<DELIMITER multiline form, later entries winning', () => {
    const text = [
      'verdict=pass',
      'report<<ghadelimiter_8f3c',
      '### ✅ perf-gate',
      '',
      'a=b',
      'ghadelimiter_8f3c',
      'url=http://x/?a=b',
      'verdict=fail',
      '',
    ].join('\n');
    expect(parseEnvFile(text)).toEqual([
      { name: 'verdict', value: 'pass' },
      { name: 'report', value: '### ✅ perf-gate\n\na=b' },
      { name: 'url', value: 'http://x/?a=b' },
      { name: 'verdict', value: 'fail' },
    ]);
    expect(envFileToRecord(text).verdict).toBe('fail');
  });

  it('reads what @actions/core writes (CRLF tolerated, empty values kept)', () => {
    expect(envFileToRecord('empty<<EOF\r\nEOF\r\nplain=\r\n')).toEqual({ empty: '', plain: '' });
  });

  it('rejects what the runner rejects', () => {
    expect(() => parseEnvFile('just a line\n', 'GITHUB_OUTPUT')).toThrow(/GITHUB_OUTPUT: line 1 is neither/);
    expect(() => parseEnvFile('x<<EOF\nnever closed\n')).toThrow(/never closed by its delimiter 'EOF'/);
    expect(() => parseEnvFile('=value\n')).toThrow(/empty name/);
    expect(() => parseEnvFile('x<<\n')).toThrow(/empty delimiter/);
  });

  it('reads GITHUB_PATH one directory per line', () => {
    expect(parsePathFile('/opt/a\n\n/opt/b\r\n')).toEqual(['/opt/a', '/opt/b']);
  });
});
