import { worstVerdict } from './report.ts';
import type { Merged } from './merge.ts';

/**
 * A finding broapt itself makes on a container about the members it did not
 * follow (too deep, over the root's budget): medium, so the file is at least
 * suspicious.
 */
export function raiseOnContainer(record: Pick<MemberOutcome, 'findings' | 'verdict' | 'score'>, finding: { rule: string; description: string }): void {
  (record.findings ??= []).push({ ...finding, severity: 'medium', app: 'broapt' });
  record.verdict = worstVerdict(record.verdict ?? 'unknown', 'suspicious');
  record.score = Math.max(record.score ?? 0, 50);
}

/** What a parent needs of a member's record. */
export interface MemberOutcome {
  status: 'done' | 'failed';
  archivePath?: string;
  verdict?: Merged['verdict'];
  score?: number;
  findings?: Merged['findings'];
}

/**
 * A container is at least as bad as its worst member: an analyst who reads
 * only the archive's record must still see the malware inside it, and which
 * member it is. Each flagged member adds one finding naming it and its rules.
 */
export function foldMembers(parent: Omit<MemberOutcome, 'status'>, members: ReadonlyArray<MemberOutcome | undefined>): void {
  for (const member of members) {
    if (member?.status !== 'done' || (member.verdict !== 'malicious' && member.verdict !== 'suspicious')) continue;
    const rules = [...new Set((member.findings ?? []).filter((f) => f.severity !== 'info' && f.severity !== 'low').map((f) => f.rule))];
    (parent.findings ??= []).push({
      rule: `archive.member.${member.verdict}`,
      description: `member ${JSON.stringify(member.archivePath ?? '?')} is ${member.verdict}${rules.length > 0 ? `: ${rules.slice(0, 8).join(', ')}` : ''}`,
      severity: member.verdict === 'malicious' ? 'high' : 'medium',
      app: 'broapt',
    });
    parent.verdict = worstVerdict(parent.verdict ?? 'unknown', member.verdict);
    parent.score = Math.max(parent.score ?? 0, member.score ?? 0);
  }
}
