import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { checkCpuList, pinProcess } from '../../src/load/pin-cpus.js';
import { MemoryLogger } from '../../src/log.js';

function allowedCpus(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return /Cpus_allowed_list:\s*(\S+)/.exec(status)![1]!;
}

describe('CPU pinning', () => {
  it('pins a running process to the CPUs asked for', () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      const target = cpus().length > 1 ? '1' : '0';
      const log = new MemoryLogger();
      expect(pinProcess(child.pid!, target, 'the test process', log)).toBe(true);
      expect(allowedCpus(child.pid!)).toBe(target);
      expect(log.lines).toContain(`pinned the test process (pid ${child.pid}) to CPUs ${target}`);
    } finally {
      child.kill();
    }
  });

  it('says why when it cannot pin, without failing the run', () => {
    const log = new MemoryLogger();
    expect(pinProcess(2 ** 22 + 12345, '0', 'a process that does not exist', log)).toBe(false);
    expect(log.lines.join('\n')).toMatch(/warning: could not pin a process that does not exist/);
  });

  it('rejects a CPU list that is not one, naming the key', () => {
    expect(() => checkCpuList("config key 'load.cpuset'", '0;rm -rf /')).toThrow(InputError);
    expect(() => checkCpuList("config key 'load.cpuset'", '0;rm')).toThrow(
      /config key 'load.cpuset': got "0;rm"; expected a CPU list/,
    );
    expect(checkCpuList('x', '0-1,3')).toBe('0-1,3');
  });
});
