import { describe, expect, it } from 'vitest';
import { describeMove, policyInStage, POLICY_TEXT, WRITE_CONSISTENCY } from './interlay-routing';

const o = { canaryPercent: 5, target: 'dst', inSync: false };

describe('describeMove', () => {
  it('says mirroring starts, to which target, when leaving stage source', () => {
    const s = describeMove('source', 'dual_write', o);
    expect(s.rollback).toBe(false);
    expect(s.lines).toEqual([
      'Reads are served by the source.',
      'Writes go to the source first, mirrored to the target and the mirror targets.',
      'Mirroring starts to dst; keys written before now reach the target only through a copy job.',
    ]);
    expect(s.warning).toBeNull();
  });

  it('says the primary moves and warns that an unsynced target needs a forced move', () => {
    const s = describeMove('dual_write', 'target_primary', o);
    expect(s.lines[0]).toBe('Reads are served by the target.');
    expect(s.lines[1]).toBe('Writes go to the target first, mirrored to the source and the mirror targets.');
    expect(s.lines[2]).toMatch(/^The primary moves from the source to the target/);
    expect(s.warning).toMatch(/not known to be in sync/);
    expect(describeMove('dual_write', 'target_primary', { ...o, inSync: true }).warning).toBeNull();
    expect(describeMove('shadow', 'canary', o).lines[0]).toBe('Reads are served by the target for 5% of client connections, the source for the rest.');
  });

  it('calls a move back a rollback, says mirroring stops at source, and warns when leaving target', () => {
    const back = describeMove('target_primary', 'source', o);
    expect(back.rollback).toBe(true);
    expect(back.lines).toContain('Mirroring stops: from now on the target no longer receives writes.');
    expect(back.lines).toContain('This is a rollback to an earlier stage.');
    expect(back.warning).toBeNull();
    expect(describeMove('target', 'target_primary', o).warning).toMatch(/loses what was written/);
  });
});

describe('policies', () => {
  it('has one line for each policy', () => {
    for (const p of WRITE_CONSISTENCY) expect(POLICY_TEXT[p]).toMatch(/\.$/);
  });

  it('reads each policy in the stage, as the README matrix has it', () => {
    expect(policyInStage('SourceAuthoritative', 'dual_write')).toBe("In this stage the client gets the source's reply, at once (after the source); a failed side is repaired automatically.");
    expect(policyInStage('SourceAuthoritative', 'target_primary')).toBe("In this stage the client gets the source's reply, once the target and the source answered; a failed side is repaired automatically.");
    expect(policyInStage('BothRequired', 'dual_write')).toMatch(/success only when both sides accepted, once the source and the target answered/);
    expect(policyInStage('BestEffort', 'target')).toMatch(/the target's reply, at once .* not repaired automatically/);
    expect(policyInStage('TargetAuthoritative', 'source')).toMatch(/No write is mirrored in stage source/);
  });
});
