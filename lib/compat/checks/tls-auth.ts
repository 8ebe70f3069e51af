import type { CompatCheck, EndpointFacts, RoleConn } from '../types';

interface Problem {
  endpoint: string;
  role: string;
  problem: string;
  recorded: { tls: boolean; username: string | null; has_password: boolean };
  error: string;
}

function classify(f: EndpointFacts, rc: RoleConn): Problem | null {
  if (!rc.error) return null;
  const recorded = { tls: rc.settings.tls, username: rc.settings.username ?? null, has_password: rc.settings.password !== undefined };
  const base = { endpoint: f.name, role: rc.role, recorded, error: `${rc.error.code}: ${rc.error.message}` };
  if (rc.diagnosis === 'server-speaks-tls') return { ...base, problem: 'the endpoint says no TLS but the server only speaks TLS' };
  if (rc.diagnosis === 'server-speaks-plaintext') return { ...base, problem: 'the endpoint says TLS but the server speaks plain text' };
  if (rc.error.code === 'NOAUTH') return { ...base, problem: 'the server requires a password and the endpoint has none for this role' };
  if (/without any password configured/i.test(rc.error.message)) return { ...base, problem: 'the endpoint has a password but the server has none configured' };
  if (rc.error.code === 'AUTH') return { ...base, problem: 'wrong username or password' };
  if (rc.error.code === 'TLS') return { ...base, problem: 'TLS handshake failed (certificate, CA or SNI)' };
  return { ...base, problem: 'the server could not be reached' };
}

export const tlsAuth: CompatCheck = {
  id: 'tls-auth',
  describe: 'Each role connects with the TLS and credentials the endpoint records say.',
  run(r) {
    const all = [r.source, r.target, ...r.mirrors];
    const unreadable = all.filter((f) => f.settingsError).map((f) => ({ endpoint: f.name, error: f.settingsError }));
    const problems = all.flatMap((f) => Object.values(f.roles).map((rc) => (rc ? classify(f, rc) : null)).filter((p): p is Problem => p !== null));
    const connected = all.flatMap((f) => Object.values(f.roles).filter((rc) => rc?.conn).map((rc) => `${f.name}/${rc!.role}`));
    if (problems.length || unreadable.length) {
      return {
        severity: 'blocking',
        title: problems.length ? `${problems.length} connection(s) fail: ${problems.map((p) => `${p.endpoint}/${p.role}: ${p.problem}`).join('; ')}` : 'Endpoint settings could not be read',
        evidence: { problems, unreadable, connected },
        remediation: 'Fix the endpoint records (TLS flag, username/password per role) to match the servers, then re-run.',
      };
    }
    return { severity: 'pass', title: 'Every role connects with its recorded TLS and credentials', evidence: { connected }, remediation: '' };
  },
};
