/**
 * The command table (STYLE.md point 9). `commandTable` is built once from the
 * bundled @ioredis/commands metadata; the functions below are bound to it for the
 * per-command hot path. A host that merges a live server's COMMAND INFO
 * (`mergeCommandInfo`) gets a new table and passes it to whoever needs it.
 *
 * All argv parameters are whole commands: the command name at index 0.
 */
import type { Argv } from './args';
import { BUNDLED_SPECS, CommandTable, type CommandInfo } from './command-table';

export type { Arg, Argv } from './args';
export {
  BUNDLED_SPECS,
  CommandTable,
  UNKNOWN_COMMAND,
  parseCommandInfoReply,
  setById,
  type CommandCategory,
  type CommandInfo,
  type MirrorMode,
  type RawCommandSpec,
} from './command-table';

export const commandTable: CommandTable = new CommandTable(BUNDLED_SPECS);

/** The top-level command by name, case-insensitive; undefined when unknown. */
export function lookupCommand(name: string | Buffer): CommandInfo | undefined {
  return commandTable.lookup(name);
}

/** The command or container subcommand of a whole call; UNKNOWN_COMMAND (known=false) when unknown. */
export function classify(argv: Argv): CommandInfo {
  return commandTable.classify(argv);
}

/** Indexes into argv of the key arguments (movable keys parsed); read-only, possibly shared. */
export function keyPositions(argv: Argv, info?: CommandInfo): readonly number[] {
  return commandTable.keyPositions(argv, info);
}

export function isBlockingCall(argv: Argv, info?: CommandInfo): boolean {
  return commandTable.isBlockingCall(argv, info);
}

export function isConnectionAffine(argv: Argv, info?: CommandInfo): boolean {
  return commandTable.isConnectionAffine(argv, info);
}

export function isReadOnlyCall(argv: Argv): boolean {
  return commandTable.isReadOnlyCall(argv);
}

export function explainRefusal(argv: Argv): string | undefined {
  return commandTable.explainRefusal(argv);
}

export function describeForLog(argv: Argv, info?: CommandInfo): string {
  return commandTable.describeForLog(argv, info);
}

/** A new table: `base` plus what a COMMAND INFO reply adds (existing entries unchanged). */
export function mergeCommandInfo(reply: unknown, base: CommandTable = commandTable): CommandTable {
  return base.withCommandInfo(reply);
}
