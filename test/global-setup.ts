import { execFileSync } from 'node:child_process';

/** Fails fast with a clear message when the machine lacks what integration tests spawn. */
export default function setup(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('redis-server is not on the PATH: install it (apt-get install -y redis-server) to run the tests');
  }
}
