/**
 * Which commands an interlay refuses by default: administrative ones (Redis's `admin`
 * flag: CONFIG, ACL SETUSER, DEBUG, SHUTDOWN, REPLICAOF/SLAVEOF, MODULE, FAILOVER, CLUSTER
 * changes, MONITOR, SYNC/PSYNC, SAVE, CLIENT KILL/LIST/PAUSE, SLOWLOG, …) and the ones that
 * wipe far more than their arguments name (FLUSHALL, FLUSHDB, SWAPDB, FUNCTION FLUSH). An
 * application's connection has no business with either, and through an interlay they would
 * reach a production server with whatever rights the connection has. An interlay opens
 * them one by one with its allowlist: a command name (`flushdb`), a subcommand
 * (`config|get`), a whole container (`config`), or a group (`@admin`, `@destructive`).
 *
 * Decisions are cached per CommandInfo.id in a dense array: the check costs one array
 * load per command on the hot path.
 */
import { setById, type CommandInfo } from '@/lib/commands';

export const COMMAND_GROUPS = ['@admin', '@destructive'] as const;

export class CommandPolicy {
  private readonly allow: ReadonlySet<string>;
  /** Per CommandInfo.id: 1 refused, 0 allowed, -1 not decided yet. */
  private readonly decided: number[] = [];

  constructor(allowlist: readonly string[] = []) {
    this.allow = new Set(allowlist.map((a) => a.toLowerCase()));
  }

  refuses(info: CommandInfo): boolean {
    const d = this.decided[info.id];
    if (d !== undefined && d >= 0) return d === 1;
    const refused = info.known && (info.isAdmin || info.destructive) && !this.allows(info);
    setById(this.decided, info.id, refused ? 1 : 0, -1);
    return refused;
  }

  private allows(info: CommandInfo): boolean {
    const a = this.allow;
    if (a.has(info.name) || (info.container !== undefined && a.has(info.container))) return true;
    if (info.isAdmin && a.has('@admin')) return true;
    if (info.destructive && a.has('@destructive')) return true;
    return false;
  }

  /** The error line a refused command gets (NOPERM, as Redis answers a command an ACL denies). */
  static refusal(info: CommandInfo): Buffer {
    const why = info.isAdmin ? 'administrative' : 'destructive';
    return Buffer.from(
      `-NOPERM this interlay refuses '${info.name}': ${why} commands are off unless the interlay's command allowlist names them\r\n`,
    );
  }
}
